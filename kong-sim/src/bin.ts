#!/usr/bin/env node
/**
 * `kong-sim` CLI: starts the double, prints one JSON line `{"admin":...,"proxy":...}` on stdout
 * when ready, logs JSON lines to stderr, and closes gracefully on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startKongSim } from './index';

const HELP = `Usage: kong-sim [options]

A Kong Gateway 3.9 double (Admin API + proxy) for tests and local development.
Not a production gateway.

Options:
  --admin-port <n>     Admin API port, 0 = a free port (default 8001)
  --proxy-port <n>     proxy port, 0 = a free port (default 8000)
  --proxy-http2        give the proxy listener Kong's http2 flag: HTTP/2 cleartext
                       (gRPC clients) beside HTTP/1.x on the same port (default off,
                       as in Kong's default proxy_listen)
  --host <addr>        interface to bind (default 127.0.0.1)
  --mode <db|dbless>   db: CRUD Admin API like Kong with Postgres;
                       dbless: like database=off, configure with POST /config (default db)
  --admin-token <t>    require the header Kong-Admin-Token: <t> on Admin API requests
  --worker-consistency <strict|eventual>
                       DB mode: when the proxy takes up route, service and plugin writes;
                       eventual: on a timer, strict: at the next request (default eventual)
  --worker-state-update-frequency <s>
                       the eventual timer's period in seconds (default 5)
                       Targets and upstreams apply at once either way; DB-less
                       applies each POST /config at once. Both defaults are Kong's.
  --log-level <lvl>    debug | info | warn | error (default info)
  -h, --help           show this help

When ready it prints one line to stdout:
  {"admin":"http://127.0.0.1:8001","proxy":"http://127.0.0.1:8000"}
`;

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

function fail(message: string): never {
  process.stderr.write(`kong-sim: ${message}\nRun kong-sim --help for usage.\n`);
  process.exit(2);
}

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    fail(`${name} must be an integer between 0 and 65535, got '${value}'`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'admin-port': { type: 'string' },
        'proxy-port': { type: 'string' },
        'proxy-http2': { type: 'boolean' },
        host: { type: 'string' },
        mode: { type: 'string' },
        'admin-token': { type: 'string' },
        'worker-consistency': { type: 'string' },
        'worker-state-update-frequency': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const mode = values.mode ?? 'db';
  if (mode !== 'db' && mode !== 'dbless') fail(`--mode must be db or dbless, got '${mode}'`);
  const consistency = values['worker-consistency'] ?? 'eventual';
  if (consistency !== 'strict' && consistency !== 'eventual')
    fail(`--worker-consistency must be strict or eventual, got '${consistency}'`);
  const frequencyText = values['worker-state-update-frequency'] ?? '5';
  const frequency = Number(frequencyText);
  if (!/^\d+(\.\d+)?$/.test(frequencyText) || !(frequency > 0))
    fail(
      `--worker-state-update-frequency must be a number of seconds above 0, got '${frequencyText}'`,
    );
  const level = (values['log-level'] ?? 'info') as Level;
  if (!LEVELS.includes(level)) fail(`--log-level must be one of ${LEVELS.join(', ')}`);
  // stdout carries only the ready line; logs go to stderr (fd 2).
  const logger = pino({ name: 'kong-sim', level }, pino.destination(2));
  const sim = await startKongSim({
    host: values.host ?? '127.0.0.1',
    adminPort: port(values['admin-port'], '--admin-port', 8001),
    proxyPort: port(values['proxy-port'], '--proxy-port', 8000),
    proxyHttp2: values['proxy-http2'] ?? false,
    mode,
    adminToken: values['admin-token'],
    workerConsistency: consistency,
    workerStateUpdateFrequency: frequency,
    logger,
  });
  process.stdout.write(`${JSON.stringify({ admin: sim.admin, proxy: sim.proxy })}\n`);
  const stop = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `kong-sim: could not start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
