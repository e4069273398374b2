# syntax=docker/dockerfile:1
#
# Images for the registry, the controller and the example services (one multi-stage file):
#
#   docker build --target registry   -t kong-registry/registry .
#   docker build --target controller -t kong-registry/controller .
#   docker build --target examples   -t kong-registry/examples .     # examples/orders, examples/users
#
# The registry and controller run the same `kong-registry` CLI (cli/bin/kong-registry.js) with a
# different subcommand; all three run as a non-root user under tini, so that SIGTERM reaches node
# and zombies are reaped. See docs/deploy.md for the settings each image reads.

ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: all dependencies, compile every workspace (tsc -b) ---------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first, so editing source does not invalidate the `npm ci` layer.
COPY package.json package-lock.json ./
COPY sdk/package.json sdk/
COPY kong-sim/package.json kong-sim/
COPY registry/package.json registry/
COPY kong-plugin/package.json kong-plugin/
COPY cli/package.json cli/
# --ignore-scripts: the root `prepare` script builds, and the sources are not here yet.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json ./
COPY sdk/ sdk/
COPY kong-sim/ kong-sim/
COPY registry/ registry/
COPY kong-plugin/ kong-plugin/
COPY cli/ cli/
RUN npm run build \
 # Keep each workspace whole (registry/lua and registry/ui are read at run time), minus what only
 # the build needed; node_modules come from the prod-deps stage instead.
 && mkdir /out \
 && cp -r sdk kong-sim registry kong-plugin cli /out/ \
 && rm -rf /out/*/node_modules /out/*/tsconfig.tsbuildinfo \
 && find /out -name '*.test.*' -delete

# --- prod-deps: runtime dependencies only, no dev tools --------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY sdk/package.json sdk/
COPY kong-sim/package.json kong-sim/
COPY registry/package.json registry/
COPY kong-plugin/package.json kong-plugin/
COPY cli/package.json cli/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime: shared base of every image ----------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to node (which drains and exits) and reaps zombies, so the
# images behave the same under `docker run`, compose and systemd without `--init`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 kong-registry \
 && useradd --system --uid 10001 --gid kong-registry --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin kong-registry
ENV NODE_ENV=production \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=prod-deps /app/ ./
COPY --from=build /out/ ./
# A writable place for secrets and tokens minted at start (the compose stack mounts a volume here).
RUN mkdir -p /var/lib/kong-registry && chown kong-registry:kong-registry /var/lib/kong-registry \
 && ln -s /app/cli/bin/kong-registry.js /usr/local/bin/kong-registry
# Numeric, so that runtimes enforcing "run as non-root" can check it without /etc/passwd.
USER 10001:10001
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/cli/bin/kong-registry.js"]

# --- examples: the TypeScript example services (examples/orders, examples/users) ----------------
# Built here because they need the SDK from this workspace. One image, the service picked by the
# command: `node examples/orders/dist/main.js` or `node examples/users/dist/main.js`.
FROM build AS examples-build
COPY examples/ examples/
RUN npx tsc -b examples \
 && mkdir /out-examples \
 && for name in shared orders users; do \
      mkdir -p /out-examples/$name && cp -r examples/$name/package.json examples/$name/dist /out-examples/$name/; \
    done \
 && find /out-examples -name '*.test.*' -delete

FROM runtime AS examples
COPY --from=examples-build /out-examples/ ./examples/
ENV PORT=3000
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "examples/orders/dist/main.js"]

# --- controller: `kong-registry controller` ---------------------------------------------------
FROM runtime AS controller
# The controller's own /metrics, /healthz and /readyz listener (off unless METRICS_PORT is set);
# on 0.0.0.0 so Prometheus on the container network can scrape it.
ENV METRICS_PORT=4100 \
    METRICS_HOST=0.0.0.0
EXPOSE 4100
# No curl in slim images: Node 20's global fetch does the probe.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||4100)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["controller"]

# --- registry: `kong-registry registry` (the default target: keep it last) -------------------
FROM runtime AS registry
ENV PORT=4000
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["registry"]
