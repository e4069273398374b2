#!/usr/bin/env bash
# `npm run demo`: installs redis-server when missing, starts a throwaway Redis on a free port
# (or uses REDIS_URL when set), then runs the demo until Ctrl-C. Extra arguments go to the demo.
set -euo pipefail
SCRIPT_NAME=demo
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

ensure_packages redis-server:redis-server redis-cli:redis-tools
[ -f cli/dist/bin.js ] || npm run --silent build

if [ -z "${REDIS_URL:-}" ]; then
  trap stop_redis EXIT
  trap 'exit 130' INT TERM
  start_redis
fi

# Until the full demo lands, the registry runs alone on its embedded defaults.
node cli/bin/kong-registry.js registry "$@"
