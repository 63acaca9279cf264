"""Every event contract: examples validate, subjects follow the pattern, schemas are committed and compatible."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from zamc_events.contracts.base import (
    SUBJECT_PATTERN,
    Envelope,
    InvalidEventError,
    UnknownSubjectError,
    parse_envelope,
    registry,
)
from zamc_events.examples import examples
from zamc_events.runtime.streams import stream_for
from zamc_events.schemas import SCHEMA_DIR, breaking_changes, current_schemas, stale_snapshots

pytestmark = pytest.mark.contract
REPO = Path(__file__).resolve().parents[2]


def test_every_registered_event_has_an_example():
    assert {example.subject for example in examples()} == set(registry())


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.subject)
def test_each_example_round_trips_through_its_envelope(example):
    envelope = Envelope.wrap(example, producer="contract-test", tenant_id=uuid.uuid4())
    parsed = parse_envelope(example.subject, envelope.to_json())
    assert parsed.data == example
    assert parsed.event_id == envelope.event_id and parsed.correlation_id == envelope.event_id


@pytest.mark.parametrize("subject", sorted(registry()))
def test_subjects_follow_the_pattern_and_have_a_stream(subject):
    assert SUBJECT_PATTERN.match(subject)
    assert stream_for(subject).name.startswith("ZAMC_")


def test_unknown_subjects_and_invalid_payloads_are_rejected_with_a_clear_error():
    with pytest.raises(UnknownSubjectError, match="zamc.nothing.here.v1"):
        parse_envelope("zamc.nothing.here.v1", b"{}")
    valid = Envelope.wrap(examples()[0], producer="t").model_dump(mode="json")
    valid["data"].pop("code")
    with pytest.raises(InvalidEventError, match=r"data\.code: Field required"):
        parse_envelope(valid["type"], json.dumps(valid))
    with pytest.raises(InvalidEventError, match="does not match subject"):
        parse_envelope(
            "zamc.meta.oauth_code_received.v1",
            json.dumps(Envelope.wrap(examples()[0], producer="t").model_dump(mode="json")),
        )


def test_unknown_fields_are_ignored_so_a_version_can_grow():
    payload = Envelope.wrap(examples()[0], producer="t").model_dump(mode="json")
    payload["data"]["added_later"] = "optional"
    assert parse_envelope(payload["type"], json.dumps(payload)).data == examples()[0]


def test_committed_schemas_match_the_models():
    stale = stale_snapshots()
    assert not stale, f"run `python -m zamc_events.schemas export` and commit: {stale}"


def test_breaking_changes_are_detected():
    old = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    assert (
        breaking_changes(old, {**old, "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}})
        == []
    )
    assert breaking_changes(old, {"type": "object", "properties": {}, "required": []}) == [".a: removed"]
    assert breaking_changes(old, {**old, "properties": {"a": {"type": "integer"}}}) == [
        ".a: 'type' changed from 'string' to 'integer'"
    ]
    grown = {**old, "properties": {**old["properties"], "b": {"type": "string"}}, "required": ["a", "b"]}
    assert breaking_changes(old, grown) == [".b: new required field"]


@pytest.mark.skipif(
    shutil.which("git") is None or not (REPO / ".git").exists(), reason="needs the git history"
)
def test_every_schema_is_compatible_with_its_first_published_version():
    """Versions only grow: compare each schema with the version first committed under that name."""
    current = current_schemas()
    problems = {}
    for name, schema in current.items():
        path = (SCHEMA_DIR / name).relative_to(REPO)
        first = subprocess.run(
            ["git", "log", "--diff-filter=A", "--format=%H", "--", str(path)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        if not first:
            continue  # not committed yet: nothing published to stay compatible with
        published = subprocess.run(
            ["git", "show", f"{first[-1]}:{path}"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout
        if found := breaking_changes(json.loads(published), schema):
            problems[name] = found
    assert not problems, f"breaking changes to published subjects (publish a vN+1 instead): {problems}"
