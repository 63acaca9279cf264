"""JSON Schemas of every event, committed under `libs/zamc_events/schemas/`, and the versioning rule.

Rule: a published `zamc.<context>.<event>.vN` may only gain optional fields. Removing or
retyping a field, or adding a required one, needs a new subject `...v<N+1>`.

    python -m zamc_events.schemas export   # rewrite the committed snapshots (refuses breaking changes)
    python -m zamc_events.schemas check    # exit 1 if snapshots are stale or a change breaks a vN
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from zamc_events.contracts.base import Envelope, registry

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
ENVELOPE_FILE = "envelope.json"


def current_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema, for the envelope and every registered payload."""
    schemas = {f"{subject}.json": model.model_json_schema() for subject, model in sorted(registry().items())}
    envelope = Envelope.model_json_schema()
    schemas[ENVELOPE_FILE] = envelope
    return schemas


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


IGNORED_KEYS = frozenset({"description", "title", "examples", "default"})


def breaking_changes(old: dict[str, Any], new: dict[str, Any], path: str = "") -> list[str]:
    """What makes `new` unable to read events written under `old` (empty when only optional fields grew)."""
    problems: list[str] = []
    for name, definition in old.get("$defs", {}).items():
        if name not in new.get("$defs", {}):
            problems.append(f"{path}.$defs.{name}: removed")
        else:
            problems += breaking_changes(definition, new["$defs"][name], f"{path}.$defs.{name}")
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name in old_props:
        if name not in new_props:
            problems.append(f"{path}.{name}: removed")
        else:
            problems += breaking_changes(old_props[name], new_props[name], f"{path}.{name}")
    added_required = set(new.get("required", [])) - set(old.get("required", []))
    problems += [f"{path}.{name}: new required field" for name in sorted(added_required)]
    compared = (set(old) | set(new)) - IGNORED_KEYS - {"$defs", "properties", "required"}
    problems += [
        f"{path or '<root>'}: '{key}' changed from {old.get(key)!r} to {new.get(key)!r}"
        for key in sorted(compared)
        if old.get(key) != new.get(key)
    ]
    return problems


def stale_snapshots(directory: Path = SCHEMA_DIR) -> list[str]:
    current = current_schemas()
    stale = [
        name
        for name, schema in current.items()
        if not (directory / name).exists() or (directory / name).read_text() != render(schema)
    ]
    stale += [p.name for p in directory.glob("*.json") if p.name not in current]
    return sorted(stale)


def incompatible_with_snapshots(directory: Path = SCHEMA_DIR) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, schema in current_schemas().items():
        snapshot = directory / name
        if snapshot.exists():
            problems = breaking_changes(json.loads(snapshot.read_text()), schema)
            if problems:
                found[name] = problems
    return found


def export(directory: Path = SCHEMA_DIR) -> list[str]:
    incompatible = incompatible_with_snapshots(directory)
    if incompatible:
        raise SystemExit(
            "refusing to overwrite published schemas with breaking changes (publish a new vN+1 subject):\n"
            + "\n".join(f"  {name}: {'; '.join(problems)}" for name, problems in incompatible.items())
        )
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in current_schemas().items():
        target = directory / name
        if not target.exists() or target.read_text() != render(schema):
            target.write_text(render(schema))
            written.append(name)
    return written


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "export":
        for name in export():
            print(f"wrote {name}")
        return 0
    problems = [f"stale: {name}" for name in stale_snapshots()]
    problems += [f"breaking: {n}: {'; '.join(p)}" for n, p in incompatible_with_snapshots().items()]
    print("\n".join(problems) or "schemas are current")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
