"""Run the example service as its own process (for crash tests)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from example_service.service import ExampleSettings, definition
from zamc_events.runtime.service import run_service

if __name__ == "__main__":
    run_service(definition, ExampleSettings())
