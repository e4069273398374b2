#!/usr/bin/env bash
# `npm test`: installs what the suites need (redis-server, deck, docker-compose, chromium,
# systemd-analyze, python3, prometheus and promtool, via apt-get when missing), prints their
# versions, starts a throwaway Redis on a free port, runs lint, typecheck and every jest project,
# and stops Redis at the end, even when something fails. Extra arguments go to jest.
set -euo pipefail
SCRIPT_NAME=test
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

ensure_packages redis-server:redis-server redis-cli:redis-tools deck:deck docker-compose:docker-compose \
  chromium:chromium systemd-analyze:systemd python3:python3 promtool:prometheus prometheus:prometheus
[ -d node_modules ] || npm ci
log "versions"
print_versions

trap stop_redis EXIT
trap 'exit 130' INT TERM
start_redis

log "lint"
npm run --silent lint
log "typecheck (and build)"
npm run --silent typecheck
log "jest"
# Two workers even on 2 cores: jest's default (cores - 1 = 1) runs every file in band in one
# process, so the suites take twice as long. No --forceExit: every suite closes what it opens
# (jest prints "Force exiting" whenever that flag is given). The timeout is the guard instead: a
# handle a suite forgets must fail the run, not hang CI.
timeout --signal=TERM --kill-after=30 1800 npx jest --ci --maxWorkers=2 "$@"
