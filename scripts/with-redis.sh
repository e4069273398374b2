#!/usr/bin/env bash
# Runs a command with REDIS_URL pointing at a throwaway redis-server, stopped afterwards.
# Handy for running one jest file:  scripts/with-redis.sh npx jest test/integration/registry
set -euo pipefail
SCRIPT_NAME=with-redis
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
ensure_packages redis-server:redis-server redis-cli:redis-tools
trap stop_redis EXIT
trap 'exit 130' INT TERM
start_redis
"$@"
