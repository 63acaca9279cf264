#!/usr/bin/env sh
# Install promtool (Debian's `prometheus` package) only if it is missing.
# Idempotent; safe to call from `make` and CI. Prints the promtool path on success,
# exits non-zero (with the reason on stderr) when it cannot be installed.
set -eu

if command -v promtool >/dev/null 2>&1; then
    command -v promtool
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "promtool is missing and apt-get is not available: install Prometheus' promtool by hand" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "promtool is missing and installing it needs root (or sudo)" >&2
        exit 1
    fi
fi

echo "installing promtool (Debian package prometheus)..." >&2
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >&2
command -v promtool
