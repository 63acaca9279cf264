"""The README tells the truth about configuration."""

import pytest

from zamc_cli.docs import README, readme_section, render

pytestmark = pytest.mark.contract


def test_the_configuration_reference_matches_the_settings_classes():
    assert readme_section(README.read_text()) == render(), "run `python -m zamc_cli.docs --write`"
