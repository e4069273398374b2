/**
 * The hot lane's body reading (./hot-lane.ts): a plain JSON body of a declared length, parsed as
 * `express.json({ strict: true })` parses it, so both lanes accept and refuse the same bodies.
 * Anything else (chunked, compressed, another charset) is left to Express's body-parser.
 */
import type { IncomingMessage } from 'node:http';
import { RegistryError } from '../errors';

/** Media types taken here; any other (or a parameter other than utf-8) goes to Express. */
const PLAIN_JSON = /^application\/json(\s*;\s*charset="?utf-8"?)?$/i;

/** JSON whitespace, as body-parser's strict mode skips it before the first character. */
const FIRST_NON_WHITESPACE = /^[ \t\n\r]*([^ \t\n\r])/;

/** The body's declared length when it is plain JSON the hot lane may read itself, else undefined. */
export function plainJsonLength(req: IncomingMessage, limit: number): number | undefined {
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
export function readBody(req: IncomingMessage, length: number): Promise<Buffer> {
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
