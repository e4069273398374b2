#!/usr/bin/env bash
# `npm run demo`: installs redis-server when missing (the demo starts a throwaway one on a free
# port unless REDIS_URL is set), builds when needed, then hands over to the TypeScript
# orchestrator (cli/src/demo), which runs every part as a child process until Ctrl-C.
# Extra arguments go to the demo: `npm run demo -- --help`, `npm run demo -- --tour`.
set -euo pipefail
SCRIPT_NAME=demo
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

if [ ! -f cli/dist/demo/main.js ] || [ ! -f examples/orders/dist/main.js ]; then
  log "building (npm run build)"
  npm run --silent build
fi
for arg in "$@"; do
  case "$arg" in -h | --help) exec node cli/dist/demo/main.js --help ;; esac
done
[ -n "${REDIS_URL:-}" ] || ensure_packages redis-server:redis-server

# exec: the orchestrator gets Ctrl-C and SIGTERM itself and stops the children in order.
exec node cli/dist/demo/main.js "$@"
