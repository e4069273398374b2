/**
 * The fast-check inputs of the fuzz suite: hostile strings, path segments, values bound for Kong,
 * registration bodies, arbitrary bodies and header sets.
 */
import fc from 'fast-check';

/*
 * Malformed percent escapes in paths ("%", "%zz") and bodies that do not decompress were 500s
 * once (docs/RELIABILITY.md, fixed gaps 1 and 2); they stay in every run.
 */

/** HTTP methods the fuzz suite sends (supertest's method names). */
export type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';

/** One fuzzed request. */
export interface FuzzInput {
  method: Method;
  path: string;
  headers?: Record<string, string>;
  /** Raw body text; sent as-is. */
  raw?: string;
}

/** Percent-encodes anything, lone surrogates included (encodeURIComponent throws on those). */
export function encodeSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...Buffer.from(text, 'utf8')]
      .map((b) => `%${b.toString(16).padStart(2, '0')}`)
      .join('');
  }
}

/** Strings with the characters that break things: controls, CR/LF, quotes, odd Unicode. */
export const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\r\nX-Injected: 1',
    'orders\r\n\r\nGET / HTTP/1.1',
    '\u0000',
    '\u202e',
    '\ufeff',
    '\ud800',
    '..',
    '../..',
    '%00',
    '%',
    '%zz',
    '%c0%af',
    '/',
    '//',
    '~/(.*)',
    '\\',
    '"',
    "'",
    '<script>',
    'a'.repeat(300),
    '𝓸𝓻𝓭𝓮𝓻𝓼',
    'ORDERS',
    'orders-',
    '-orders',
    '__proto__',
    'constructor',
    'prototype',
  ),
);

/** Path segments, either percent-encoded or sent raw (bad escapes, dots, slashes). */
export const segment = fc.oneof(
  nasty.map(encodeSegment),
  fc.constantFrom('orders', 'i-1', 'alice', '%zz', '%', '%E0%A4%A', '..', '.', '%2e%2e', '%2F', ''),
);

/** Values that would reach Kong if they got in: hosts, prefixes, health paths, groups. */
export const kongBound = fc.oneof(
  nasty,
  fc.constantFrom(
    'example.com\r\nHost: evil',
    '10.0.0.1\n',
    '/orders\r\nX-Evil: 1',
    '/orders/~/(.*)',
    '/orders?x=1',
    '/orders#x',
    '/orders/../admin',
    '/health\r\n',
    'admins\r\n',
    'admins,ops',
  ),
);

/** A registration body: mostly valid fields with some replaced by hostile values. */
export const registrationBody = fc
  .record(
    {
      host: fc.oneof(fc.constantFrom('10.0.0.1', '::1', 'svc.local'), kongBound, fc.anything()),
      port: fc.oneof(fc.constant(8080), fc.integer(), fc.double(), fc.anything()),
      protocol: fc.oneof(fc.constantFrom('http', 'grpc'), nasty),
      version: fc.oneof(nasty, fc.anything()),
      weight: fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.anything()),
      metadata: fc.oneof(
        fc.dictionary(nasty, nasty, { maxKeys: 40 }),
        fc.dictionary(fc.constantFrom('a', 'b/c', 'zone'), fc.anything()),
        fc.anything(),
      ),
      ttlSeconds: fc.oneof(fc.integer({ min: -10, max: 100_000 }), fc.anything()),
      prefix: fc.oneof(kongBound, fc.constantFrom('/v1', '/_kong/x', '/orders', '/shop/cart')),
      stripPrefix: fc.anything(),
      auth: fc.oneof(
        fc.constantFrom('none', 'key-auth', 'jwt'),
        fc.record({ type: fc.oneof(nasty, fc.constant('jwt')), allowGroups: fc.array(kongBound) }),
        fc.anything(),
      ),
      allowGroups: fc.oneof(fc.array(kongBound, { maxLength: 40 }), fc.anything()),
      healthCheck: fc.oneof(
        fc.record(
          {
            path: kongBound,
            intervalSeconds: fc.integer({ min: -1, max: 400 }),
            timeoutSeconds: fc.anything(),
          },
          { requiredKeys: [] },
        ),
        fc.anything(),
      ),
      [String('__proto__')]: fc.anything(),
      unknownField: fc.anything(),
    },
    { requiredKeys: [] },
  )
  .map((b) => JSON.stringify(b));

/** Bodies that are not what the endpoint wants: any JSON, broken JSON, deep nesting. */
export const anyBody = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '',
    '{',
    'null',
    '[]',
    '"x"',
    '1e999999',
    '{"a":1,"a":2}',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
    `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
    '\ufeff{}',
    '{"port":8080}\u0000',
  ),
);

/** Header sets: content types, encodings, charsets, odd extra headers. */
export const headerSet = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'application/merge-patch+json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
      'application/json; charset="',
    ),
    'content-encoding': fc.constantFrom(
      'gzip',
      'deflate',
      'br',
      'gzip, gzip',
      'identity',
      'x-unknown',
    ),
    'last-event-id': fc.oneof(fc.constantFrom('abc', '-1', '1-x', '99999999999999999999-0'), nasty),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', 'not-an-ip', '::ffff:10.0.0.1, 1.1.1.1'),
    accept: fc.constantFrom('text/event-stream', '*/*', 'application/xml'),
  },
  { requiredKeys: [] },
);

/** Header values Node refuses to send (CR/LF, NUL) are dropped: they never reach a server. */
export function sendableHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([, v]) => /^[\t\x20-\x7e\x80-\xff]*$/.test(v)),
  );
}
