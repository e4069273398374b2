import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VerifiedTokenCache } from '../auth/token-cache';
import { RegistryError } from '../errors';
import { SERVICE_NAME } from '../instances/validation';
import type { Logger } from '../logger';
import type { RegistryMetrics } from '../metrics';
import { bearerToken } from './middleware/auth';
import { trackRequest } from './middleware/request-log';
import { trackMetrics } from './middleware/request-metrics';
import { writeFailure, writeJson } from './raw-reply';
import { plainAddress, REGISTER_ROUTE, type Registrar } from './register';

/** The register path as Express would match it, restricted like the heartbeat fast path's. */
const REGISTER_PATH = /^\/v1\/services\/([a-z0-9-]{1,63})\/instances\/([A-Za-z0-9._-]{1,128})$/;

/** Media types taken here; any other (or a parameter other than utf-8) goes to Express. */
const PLAIN_JSON = /^application\/json(\s*;\s*charset="?utf-8"?)?$/i;

/** JSON whitespace, as body-parser's strict mode skips it before the first character. */
const FIRST_NON_WHITESPACE = /^[ \t\n\r]*([^ \t\n\r])/;

/** What the register fast path shares with the Express app it sits in front of. */
export interface RegisterFastPathDeps {
  register: Registrar;
  tokens: VerifiedTokenCache;
  metrics: RegistryMetrics;
  accessLog: Logger;
  errorLog: Logger;
  bodyLimitBytes: number;
  /** With a trusted proxy the caller's address comes from X-Forwarded-For: Express's job. */
  trustProxy: boolean;
  isShuttingDown(): boolean;
}

/** The body's declared length when the fast path may read it itself, else undefined. */
function plainJsonLength(req: IncomingMessage, limit: number): number | undefined {
  const { headers } = req;
  if (headers['transfer-encoding'] !== undefined || headers['content-encoding'] !== undefined) {
    return undefined;
  }
  const type = headers['content-type'];
  const length = headers['content-length'];
  if (type === undefined || !PLAIN_JSON.test(type) || length === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(length)) return undefined;
  const bytes = Number(length);
  return bytes > 0 && bytes <= limit ? bytes : undefined;
}

/**
 * Parses a body the way `express.json({ strict: true })` does: UTF-8 without its BOM, empty reads
 * as `{}`, only an object or array at the top; any failure is REG_ERR_MALFORMED_JSON, the code
 * body-parser's parse failures map to.
 */
export function parseJsonBody(raw: Buffer): unknown {
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) return {};
  const first = FIRST_NON_WHITESPACE.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw new RegistryError('REG_ERR_MALFORMED_JSON');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RegistryError('REG_ERR_MALFORMED_JSON');
  }
}

/** Reads exactly the declared body; rejects when the request fails or ends short. */
function readBody(req: IncomingMessage, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const unreadable = (): void =>
      reject(new RegistryError('REG_ERR_VALIDATION', 'the request body could not be read'));
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
    });
    req.on('end', () => {
      if (received !== length) unreadable();
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received));
    });
    req.on('error', unreadable);
    req.on('aborted', unreadable);
  });
}

/**
 * The common case of a registration, served without Express: `PUT` on the plain register path,
 * a JSON body of a declared length within the limit (no compression, no chunking, UTF-8), a
 * bearer token already verified (in the token cache) and allowed for the service, no trusted
 * proxy, not shutting down. Returns false, having touched nothing, for every other request,
 * which Express then handles as before.
 *
 * Why: Express's routing, its req/res prototype switch and body-parser were about a fifth of a
 * registration's CPU (bench/profiles/registry-throughput.md, "Register"). Everything after the
 * match is the Express route's own code: the same {@link Registrar} (rate limit, validation,
 * policy, script, log line, metric), access line, metrics and error classification.
 */
export function registerFastPath(
  deps: RegisterFastPathDeps,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'PUT' || deps.trustProxy || deps.isShuttingDown()) return false;
    const url = req.url ?? '';
    const match = REGISTER_PATH.exec(url);
    if (!match) return false;
    const length = plainJsonLength(req, deps.bodyLimitBytes);
    if (length === undefined) return false;
    const service = match[1] ?? '';
    const instanceId = match[2] ?? '';
    if (!SERVICE_NAME.test(service)) return false;
    const rawToken = bearerToken(req.headers.authorization);
    const token = rawToken === undefined ? undefined : deps.tokens.get(rawToken, Date.now());
    if (rawToken === undefined || !token) return false;
    if (token.role !== 'admin' && token.service !== service) return false;

    const reqId = trackRequest(deps.accessLog, req, res, url);
    trackMetrics(deps.metrics, 'PUT', res, () => REGISTER_ROUTE);
    readBody(req, length)
      .then((raw) =>
        deps.register({
          service,
          instanceId,
          body: parseJsonBody(raw),
          token,
          rawToken,
          callerAddress: () => plainAddress(req.socket.remoteAddress),
        }),
      )
      .then(
        ({ status, reply }) => writeJson(res, status, reply),
        (err: unknown) =>
          writeFailure(deps.errorLog, res, err, { reqId, method: 'PUT', path: url }),
      );
    return true;
  };
}
