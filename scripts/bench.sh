#!/usr/bin/env bash
# `npm run bench`: installs what the benchmarks need (redis-server, redis-benchmark, wrk, etcd,
# deck via apt-get when missing), builds the packages and bench/, and runs
# bench/dist/bench/src/main.js (bench/ compiles test/helpers with it, so its output mirrors the
# repository layout).
# Not part of `npm test`. Extra arguments go to the bench (try --help, or --quick for a smoke run).
# Each benchmark starts its own Redis, etcd, registry and controller on free loopback ports.
set -euo pipefail
SCRIPT_NAME=bench
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

ensure_packages redis-server:redis-server redis-benchmark:redis-tools wrk:wrk etcd:etcd-server deck:deck
[ -d node_modules ] || npm ci

log "build"
npm run --silent build
npx tsc -p bench/tsconfig.json
log "benchmarks (several minutes; results in bench/results/)"
exec node bench/dist/bench/src/main.js "$@"
