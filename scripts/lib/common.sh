# Shared shell helpers for scripts/test.sh and scripts/demo.sh. Sourced, not run.

log() { printf '\033[1m[%s]\033[0m %s\n' "${SCRIPT_NAME:-kong-registry}" "$*" >&2; }

# ensure_packages CMD:DEBPKG...: install the Debian packages whose command is missing.
# Runs `apt-get update` first, because a fresh machine has no package lists.
ensure_packages() {
  local missing=() pair cmd pkg
  for pair in "$@"; do
    cmd=${pair%%:*}
    pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=''
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "need root (or sudo) to install: ${missing[*]}"; return 1; }
    sudo='sudo'
  fi
  log "installing with apt-get: ${missing[*]}"
  # Packages such as prometheus start their service on install, listening on every interface;
  # the suites start their own on loopback, so a policy-rc.d tells invoke-rc.d (and
  # deb-systemd-invoke) to start nothing while we install. One that exists already is kept.
  local policy=/usr/sbin/policy-rc.d added='' status=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod 755 "$policy" && added=1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq || status=$?
  [ "$status" -eq 0 ] &&
    { $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?; }
  [ -n "$added" ] && $sudo rm -f "$policy"
  return "$status"
}

# print_versions: one line per tool the suites rely on, so a failure on a new machine is easy to read.
print_versions() {
  local tool line
  for tool in node npm redis-server deck docker-compose chromium systemd-analyze python3 prometheus promtool; do
    case $tool in
      redis-server) line=$(redis-server --version 2>/dev/null | awk '{print $3}') ;;
      deck) line=$(deck version 2>/dev/null | head -1) ;;
      systemd-analyze) line=$(systemd-analyze --version 2>/dev/null | head -1) ;;
      *) line=$("$tool" --version 2>/dev/null | head -1) ;;
    esac
    printf '  %-16s %s\n' "$tool" "${line:-not installed}" >&2
  done
}

# free_port: a TCP port on loopback that nothing listens on right now.
free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# start_redis: a throwaway redis-server on a free loopback port, no persistence.
# Exports REDIS_URL and REDIS_PID; stop_redis (registered by the caller's trap) ends it.
start_redis() {
  local port dir i
  port=$(free_port)
  dir=$(mktemp -d -t kong-registry-redis.XXXXXX)
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir" \
    --daemonize no --loglevel warning >"$dir/redis.log" 2>&1 &
  REDIS_PID=$!
  REDIS_DIR=$dir
  export REDIS_URL="redis://127.0.0.1:$port"
  for i in $(seq 1 100); do
    if redis-cli -p "$port" ping >/dev/null 2>&1; then
      log "redis-server $(redis-server --version | awk '{print $3}') listening on $REDIS_URL (pid $REDIS_PID)"
      return 0
    fi
    kill -0 "$REDIS_PID" 2>/dev/null || break
    sleep 0.1
  done
  log "redis-server did not start; its log:"
  cat "$dir/redis.log" >&2
  return 1
}

stop_redis() {
  if [ -n "${REDIS_PID:-}" ] && kill -0 "$REDIS_PID" 2>/dev/null; then
    kill "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
  fi
  [ -n "${REDIS_DIR:-}" ] && rm -rf "$REDIS_DIR"
  REDIS_PID=''
}
