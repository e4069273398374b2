/** `npm run demo -- --help` (also `node cli/dist/demo/main.js --help`). */
export const DEMO_HELP = `Usage: npm run demo [-- options]

Starts the whole system on this machine, every part as its own process on free loopback ports:
a throwaway redis-server, kong-sim (a Kong Gateway double; or your Kong, see below), the
registry, the controller, and instances of the example services (orders: key-auth, users: jwt,
inventory: no auth, when python3 exists). It creates a demo consumer with an API key and a JWT
credential, waits until every route answers through the proxy, prints the URLs, the route table
and curl commands to try, and then shows every process's log until Ctrl-C. Ctrl-C stops the
services first (they drain and deregister), then the controller, registry, Kong double and Redis.

Options:
  --tour                    after start-up, run a scripted tour (routing, auth, load sharing,
                            killing an instance, registering a new service), print each step
                            with ✓/✗, shut down; exit 0 only when every step passed
                            (process logs: warnings and errors only, unless --verbose)
  -q, --quiet               show only warnings and errors of the processes
  -v, --verbose             every process's full log, Kong's health probes and heartbeats
                            included (LOG_LEVEL=debug); with --tour: show the log at all.
                            Without it the log shows lifecycle lines: registered, draining,
                            reconciled with changes, warnings
  --instances N             instances per example service (1..9, default 2; the tour needs 2+)
  --no-python               do not start the Python example
  --kong-admin-url URL      use a real Kong instead of kong-sim (with --kong-proxy-url)
  --kong-proxy-url URL      the proxy of that Kong
  --kong-admin-token T      Kong-Admin-Token header for that Kong (RBAC)
  --advertise-host H        address Kong uses to reach the services (default 127.0.0.1; set it
                            to this host's address when Kong runs in a container: the
                            services then listen on 0.0.0.0)
  --redis-url URL           use this Redis instead of starting a throwaway redis-server
  --registry-port N         registry port (default: a free one)
  --proxy-port N            kong-sim proxy port (default: a free one)
  --admin-port N            kong-sim Admin API port (default: a free one)
  --log-level LEVEL         log level of the processes (default info)
  -h, --help                this help

Environment (flags win): KONG_ADMIN_URL + KONG_PROXY_URL (+ KONG_ADMIN_TOKEN) select a real Kong,
REDIS_URL an existing Redis, DEMO_ADVERTISE_HOST the advertised address, LOG_LEVEL the log level.
Nothing else is read: the registry's JWT secret is random for each run.

Exit status: 0 after a clean stop (with --tour: every step passed), 1 when a step or the
shutdown failed, 2 on bad options, 130 when stopped during start-up.
`;
