#!/usr/bin/env bash
# Build the web console into dist/ (served by the gateway at /). Idempotent: installs dependencies
# only when package-lock.json changed, and skips the build when dist/ is newer than every source.
#   bash services/gateway/web/build.sh          # build if needed
#   bash services/gateway/web/build.sh --force  # always build
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "web console: Node.js 20+ and npm are needed to build it (apt-get install nodejs npm)." >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "web console: Node.js 20 or newer is needed (found $(node --version))." >&2
  exit 1
fi

sources=(src public index.html package.json package-lock.json vite.config.ts tsconfig.json)

newer_than() { # newer_than FILE: true when any source is newer than FILE
  [ -n "$(find "${sources[@]}" -newer "$1" -print -quit 2>/dev/null)" ]
}

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "web console: installing dependencies (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" != "--force" ] && [ -f dist/index.html ] && ! newer_than dist/index.html; then
  echo "web console: dist/ is up to date."
  exit 0
fi

echo "web console: building…"
npm run --silent build
touch dist/index.html
echo "web console: built into $(pwd)/dist"
