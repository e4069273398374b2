/**
 * The echo service every TypeScript example runs: it registers itself with the registry through
 * the SDK, answers Kong's health probes on /health, and echoes every other request as JSON so you
 * can see what Kong forwarded (which consumer, which path after the prefix was stripped, which
 * instance answered). The examples differ only in name, auth and what extra they echo.
 *
 * Only node:http and @kong-registry/sdk: copy this file and config.ts to start a real service.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import {
  consumerFromHeaders,
  healthHandler,
  KONG_REQUEST_ID_LOG_FIELD,
  register,
  requestIdFromHeaders,
  type AuthType,
} from '@kong-registry/sdk';
import type { ExampleConfig, ExampleIdentity } from './config';
import { sdkLoggerFor, type Log } from './log';
import { runExample } from './run-example';

/** One example service: who it is, how Kong authenticates its clients, what else it echoes. */
export interface EchoServiceSpec extends ExampleIdentity {
  auth: AuthType;
  /** Extra fields for the echo body (users: the claims Kong verified). */
  echoExtras?: (req: IncomingMessage) => Record<string, unknown>;
}

/** Headers Kong adds or passes on that are worth seeing in the echo. */
const HEADERS_OF_INTEREST = [
  'x-consumer-id',
  'x-consumer-username',
  'x-consumer-custom-id',
  'x-consumer-groups',
  'x-credential-identifier',
  'x-anonymous-consumer',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-path',
  'x-forwarded-prefix',
  'x-forwarded-proto',
  'x-real-ip',
  'x-request-id',
  'x-kong-request-id',
  'via',
];

function pickHeaders(req: IncomingMessage): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of HEADERS_OF_INTEREST) {
    const value = req.headers[name];
    if (value !== undefined) picked[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return picked;
}

function sendJson(res: ServerResponse, statusCode: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(statusCode, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function run(spec: EchoServiceSpec, config: ExampleConfig, log: Log): Promise<void> {
  // Until registration gives us a handle, /health answers 200 from a handler without one.
  let health = healthHandler();
  let instanceId = config.instanceId ?? '(registering)';
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    res.once('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const consumer = consumerFromHeaders(req)?.username ?? null;
      // Kong's id for the request: the same value is request.id in Kong's log entry.
      log(path === '/health' ? 'debug' : 'info', 'request', {
        method: req.method,
        path,
        status: res.statusCode,
        consumer,
        durationMs,
        [KONG_REQUEST_ID_LOG_FIELD]: requestIdFromHeaders(req),
      });
    });
    if (path === '/health') return health(req, res);
    sendJson(res, 200, {
      service: spec.service,
      instanceId,
      path,
      method: req.method,
      consumer: consumerFromHeaders(req),
      ...spec.echoExtras?.(req),
      headers: pickHeaders(req),
    });
  });
  const port = await listen(server, config.port, config.bindHost);
  log('info', 'listening', { host: config.bindHost, port });

  // Resolves once registered. SIGTERM/SIGINT then drain: weight 0 in Kong and health answers
  // 503, the instance keeps serving for the drain hold while every Kong node takes that up,
  // in-flight requests finish, then it deregisters and the process exits.
  const handle = await register({
    registryUrl: config.registryUrl,
    token: config.registryToken,
    service: spec.service,
    instanceId: config.instanceId,
    host: config.advertiseHost,
    port,
    prefix: config.prefix,
    auth: spec.auth,
    ttlSeconds: config.ttlSeconds,
    healthCheck: config.healthIntervalSeconds
      ? { intervalSeconds: config.healthIntervalSeconds }
      : undefined,
    handleSignals: true,
    ...(config.drainHoldSeconds === undefined
      ? {}
      : { drainHoldMs: config.drainHoldSeconds * 1000 }),
    logger: sdkLoggerFor(log),
  });
  handle.trackServer(server);
  health = healthHandler(handle);
  instanceId = handle.instanceId;
  handle.on('lost', ({ reason }) => log('warn', 'lease lost, registering again', { reason }));
  handle.on('reregistered', () => log('info', 're-registered'));
  handle.on('error', (err) =>
    log('error', 'registry problem', { code: err.code, error: err.message }),
  );
  handle.on('draining', () => log('info', 'draining'));
  const host = handle.lease?.instance.host ?? config.advertiseHost ?? config.bindHost;
  process.stdout.write(`${JSON.stringify({ service: spec.service, instanceId, host, port })}\n`);
}

/**
 * Runs an example service from the process's flags and environment: exit 2 on bad options (every
 * problem listed), 1 when it cannot start, 0 after a clean drain on SIGTERM/SIGINT.
 */
export function runEchoService(spec: EchoServiceSpec): void {
  runExample(spec, (config, log) => run(spec, config, log));
}
