"""Container HEALTHCHECK: GET http://127.0.0.1:<port>/healthz, exit 0 when it answers 2xx.

Standard library only (the slim image has no curl). The port is the service's
``ZAMC_<SERVICE>_HTTP_PORT`` if set, else the service's default port. The sandbox has no
/healthz; its admin API answers the check instead.
"""

import os
import sys
import urllib.request

DEFAULT_PORTS = {
    "gateway": 8000,
    "orchestrator": 8101,
    "connector-google": 8102,
    "connector-meta": 8103,
    "analytics-ingest": 8104,
    "sandbox": 8200,
}
PATHS = {"sandbox": "/admin/state"}


def main() -> int:
    service = os.environ.get("ZAMC_SERVICE", "gateway")
    env_name = f"ZAMC_{service.upper().replace('-', '_')}_HTTP_PORT"
    port = int(os.environ.get(env_name) or DEFAULT_PORTS.get(service, 8000))
    try:
        path = PATHS.get(service, "/healthz")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return 0 if 200 <= response.status < 300 else 1
    except OSError as error:
        print(f"healthcheck {service}:{port} failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
