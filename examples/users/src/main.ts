/**
 * Example service "users": Kong protects it with the jwt plugin (HS256 or RS256, `exp` checked).
 * It registers itself with the registry through the SDK, answers Kong's health probes on
 * /health, and echoes every other request as JSON: the consumer Kong matched, the claims of the
 * token Kong verified, the path after the prefix was stripped and the instance that answered.
 *
 * Only node:http and @kong-registry/sdk: copy this file to start a real service.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { consumerFromHeaders, healthHandler, register, type SdkLogger } from '@kong-registry/sdk';
import { ConfigError, loadConfig, USAGE, type UsersConfig } from './config';

const SERVICE = 'users';

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
  'via',
];

/** One JSON line on stderr per log record; stdout carries only the "ready" line. */
function log(level: string, msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), level, service: SERVICE, msg, ...fields })}\n`,
  );
}

/** The SDK's logger interface, onto the same stderr lines. */
const sdkLogger: SdkLogger = {
  debug: () => undefined,
  info: (msg, fields) => log('info', msg, fields),
  warn: (msg, fields) => log('warn', msg, fields),
  error: (msg, fields) => log('error', msg, fields),
};

function pickHeaders(req: IncomingMessage): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of HEADERS_OF_INTEREST) {
    const value = req.headers[name];
    if (value !== undefined) picked[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return picked;
}

/**
 * The claims of the bearer token Kong already verified (Kong passes the Authorization header
 * on). Decoded for display only: this service trusts them because only Kong can reach it; it
 * never verifies signatures itself.
 */
function verifiedClaims(req: IncomingMessage): Record<string, unknown> | null {
  const match = /^Bearer\s+[^.\s]+\.([^.\s]+)\.[^.\s]*$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8'));
    return claims !== null && typeof claims === 'object'
      ? (claims as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
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

async function run(config: UsersConfig): Promise<void> {
  // Until registration gives us a handle, /health answers 200 from a handler without one.
  let health = healthHandler();
  let instanceId = config.instanceId ?? '(registering)';
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    res.once('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const consumer = consumerFromHeaders(req)?.username ?? null;
      log('info', 'request', {
        method: req.method,
        path,
        status: res.statusCode,
        consumer,
        durationMs,
      });
    });
    if (path === '/health') return health(req, res);
    sendJson(res, 200, {
      service: SERVICE,
      instanceId,
      path,
      method: req.method,
      consumer: consumerFromHeaders(req),
      claims: verifiedClaims(req),
      headers: pickHeaders(req),
    });
  });
  const port = await listen(server, config.port, config.bindHost);
  log('info', 'listening', { host: config.bindHost, port });

  // Resolves once registered. SIGTERM/SIGINT then drain: health answers 503 so Kong stops
  // sending traffic, in-flight requests finish, the instance deregisters and the process exits.
  const handle = await register({
    registryUrl: config.registryUrl,
    token: config.registryToken,
    service: SERVICE,
    instanceId: config.instanceId,
    host: config.advertiseHost,
    port,
    prefix: config.prefix,
    auth: 'jwt',
    ttlSeconds: config.ttlSeconds,
    healthCheck: config.healthIntervalSeconds
      ? { intervalSeconds: config.healthIntervalSeconds }
      : undefined,
    handleSignals: true,
    logger: sdkLogger,
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
  process.stdout.write(`${JSON.stringify({ service: SERVICE, instanceId, host, port })}\n`);
}

function main(): void {
  let config: UsersConfig | 'help';
  try {
    config = loadConfig();
  } catch (err) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed flags.
    if (
      err instanceof ConfigError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw err;
  }
  if (config === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  run(config).catch((err: unknown) => {
    log('error', 'could not start', { error: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  });
}

main();
