#!/bin/sh
# One-shot job of the compose stack (service `bootstrap`): makes the shared JWT secret once and
# mints fresh tokens on every `up`, all inside the `kr-secrets` volume, so that a fresh clone runs
# with `docker-compose up` and no secret is ever written into the repository.
#
#   registry-jwt-secret   HS256 secret the registry verifies tokens with (kept across restarts)
#   admin.token           admin token for the controller
#   <service>.token       a service token for each name in $SERVICES (example services, agents)
#
# Bring your own secret instead: put it in the volume (or mount a file) before the first `up`.
set -eu
dir=${SECRETS_DIR:-/var/lib/kong-registry/secrets}
umask 022
mkdir -p "$dir"
# A failed mint leaves no stray .tmp behind (the job exits non-zero and compose stops there).
trap 'rm -f "$dir"/*.tmp' EXIT

if [ ! -s "$dir/registry-jwt-secret" ]; then
  node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('hex'))" \
    >"$dir/registry-jwt-secret.tmp"
  mv "$dir/registry-jwt-secret.tmp" "$dir/registry-jwt-secret"
  echo "bootstrap: generated a new registry JWT secret"
fi
export REGISTRY_JWT_SECRET_FILE="$dir/registry-jwt-secret"

# mint NAME ARGS...: write a token atomically, so a reader never sees half a file.
mint() {
  name=$1
  shift
  kong-registry token "$@" >"$dir/$name.token.tmp"
  mv "$dir/$name.token.tmp" "$dir/$name.token"
  echo "bootstrap: minted $name.token"
}

# `kong-registry token` defaults to 1h for admin tokens and 24h for service tokens; the stack's
# processes read their token once at start, so mint for longer (TOKEN_TTL) and re-mint by
# running `up` again (then restart whatever holds an old token).
ttl=${TOKEN_TTL:-365d}
mint admin --admin --ttl "$ttl"
for service in ${SERVICES:-}; do
  mint "$service" --service "$service" --ttl "$ttl"
done
