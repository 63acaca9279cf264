"""`make demo`: walk the hero flow against a running `make up` and print what happened.

    make up      # in one terminal
    make demo    # in another

Options: --gateway URL (default http://127.0.0.1:8000), --sandbox-admin URL (default http://127.0.0.1:8200).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from hero_flow import FlowError, HeroFlow


def print_report(flow: HeroFlow, total: float) -> None:
    print("\nZAMC hero flow\n" + "=" * 60)
    for number, step in enumerate(flow.report, 1):
        print(f"{number}. {step.name:<34} {step.seconds:6.1f} s")
        for key, value in step.details.items():
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            print(f"     {key}: {text[:200]}")
    print("=" * 60 + f"\nall steps passed in {total:.1f} s\n")


async def main(gateway: str, sandbox_admin: str) -> int:
    flow = HeroFlow(gateway_url=gateway, sandbox_admin_url=sandbox_admin)
    started = time.perf_counter()
    try:
        await flow.run()
    except FlowError as error:
        print_report(flow, time.perf_counter() - started)
        print(f"FAILED at step {len(flow.report) + 1}: {error}", file=sys.stderr)
        return 1
    print_report(flow, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Run the ZAMC hero flow against a running platform.")
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--sandbox-admin", default="http://127.0.0.1:8200")
    arguments = parser.parse_args()
    sys.exit(asyncio.run(main(arguments.gateway, arguments.sandbox_admin)))
