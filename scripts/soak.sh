#!/usr/bin/env bash
# `npm run soak [-- SCENARIO...]`: the long reliability runs, kept out of `npm test` and
# `npm run test:chaos`. A scenario is a file test/reliability/<name>.soak.test.ts (jest project
# `soak`); with no names every scenario runs, one after the other. Installs redis-server when
# missing, builds (the scenarios run the built CLI and kong-sim as child processes), starts a
# throwaway Redis for the suites that share one, and prints every report at the end.
#   npm run soak -- --list                       the scenarios
#   npm run soak -- fleet-soak                   one of them
#   KR_SOAK_MINUTES=5 npm run soak -- fleet-soak a shorter run (see each scenario's file)
#   KR_SOAK_REPORT_DIR=/some/dir npm run soak    where the reports go (default: a new temp folder)
set -euo pipefail
SCRIPT_NAME=soak
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

scenarios=()
for file in test/reliability/*.soak.test.ts; do
  name=${file##*/}
  scenarios+=("${name%.soak.test.ts}")
done

files=()
for arg in "$@"; do
  case $arg in
    --list)
      printf '%s\n' "${scenarios[@]}"
      exit 0
      ;;
    -h | --help)
      sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      if [ ! -f "test/reliability/$arg.soak.test.ts" ]; then
        log "no scenario '$arg' (test/reliability/$arg.soak.test.ts); there are: ${scenarios[*]}"
        exit 2
      fi
      files+=("test/reliability/$arg.soak.test.ts")
      ;;
  esac
done
[ ${#files[@]} -eq 0 ] && for name in "${scenarios[@]}"; do files+=("test/reliability/$name.soak.test.ts"); done

ensure_packages redis-server:redis-server redis-cli:redis-tools
[ -d node_modules ] || npm ci
export KR_SOAK_REPORT_DIR=${KR_SOAK_REPORT_DIR:-$(mktemp -d -t kong-registry-soak.XXXXXX)}
log "build"
npm run --silent build

trap stop_redis EXIT
trap 'exit 130' INT TERM
start_redis
log "scenarios: ${files[*]} (reports in $KR_SOAK_REPORT_DIR)"
status=0
# In band: the scenarios measure memory and latency, so they never run beside each other.
KR_SOAK=1 npx jest --ci --runInBand "${files[@]}" --selectProjects soak || status=$?
for report in "$KR_SOAK_REPORT_DIR"/*.md; do
  [ -f "$report" ] || continue
  printf '\n' >&2
  cat "$report"
done
log "reports: $KR_SOAK_REPORT_DIR"
exit $status
