"""Writes the ZAMC Grafana dashboards to deploy/grafana/dashboards/.

    python deploy/grafana/generate.py           # (re)write the JSON files
    python deploy/grafana/generate.py --check   # exit 1 if the committed files are stale

The dashboards are code (deploy/grafana/zamc_dashboards); never edit the JSON by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT_DIR = HERE / "dashboards"
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from zamc_dashboards.dashboards import DASHBOARDS  # noqa: E402


def render_all() -> dict[str, str]:
    """File name -> JSON text of every dashboard, exactly as committed."""
    return {
        name: json.dumps(build(), indent=2, ensure_ascii=False) + "\n" for name, build in DASHBOARDS.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    rendered = render_all()
    if args.check:
        stale = [
            name
            for name, text in rendered.items()
            if not (OUTPUT_DIR / name).is_file() or (OUTPUT_DIR / name).read_text(encoding="utf-8") != text
        ]
        extra = sorted(p.name for p in OUTPUT_DIR.glob("*.json") if p.name not in rendered)
        for name in stale:
            print(f"stale: {OUTPUT_DIR / name} (run python deploy/grafana/generate.py)", file=sys.stderr)
        for name in extra:
            print(f"not generated: {OUTPUT_DIR / name}", file=sys.stderr)
        return 1 if stale or extra else 0
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in rendered.items():
        (OUTPUT_DIR / name).write_text(text, encoding="utf-8")
        print(f"wrote {OUTPUT_DIR / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
