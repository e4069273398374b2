import type { IncomingMessage } from 'node:http';

/** Reads the whole request body (only done when a plugin needs it, e.g. key-auth key_in_body). */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Parses a JSON or urlencoded body into an object (repeated form fields become arrays). */
export function parseBody(
  raw: Buffer,
  contentType: string | undefined,
): Record<string, unknown> | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') {
    try {
      const value: unknown = JSON.parse(raw.toString('utf8'));
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }
  if (type === 'application/x-www-form-urlencoded') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) {
      const existing = out[key];
      out[key] = existing === undefined ? value : [existing, value].flat();
    }
    return out;
  }
  return undefined;
}

/** Serialises a body a plugin changed, in its original content type. */
export function serializeBody(
  body: Record<string, unknown>,
  contentType: string | undefined,
): Buffer {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(body)) {
      for (const v of [value].flat()) params.append(key, String(v));
    }
    return Buffer.from(params.toString());
  }
  return Buffer.from(JSON.stringify(body));
}
