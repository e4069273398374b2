import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReplyError } from 'ioredis';
import { ERRORS, fromRedisFailure, isRegistryError, redisReplyKind, RegistryError } from './errors';

describe('errors', () => {
  it('every code is REG_ERR_* with a 4xx/5xx status', () => {
    for (const [code, { status }] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^REG_ERR_[A-Z_]+$/);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
    }
  });

  it('recognizes registry errors by shape, not class', () => {
    expect(isRegistryError(new RegistryError('REG_ERR_NOT_FOUND'))).toBe(true);
    expect(isRegistryError({ code: 'REG_ERR_NOT_FOUND', statusCode: 404 })).toBe(true);
    expect(isRegistryError(new Error('x'))).toBe(false);
  });

  it('reads the kind of a Redis reply from the reply, and only from a reply', () => {
    expect(redisReplyKind(new ReplyError('NOSCRIPT No matching script.'))).toBe('NOSCRIPT');
    expect(redisReplyKind(new Error('NOSCRIPT No matching script.'))).toBeUndefined();
  });

  it.each([
    ['a client-side failure (connection closed)', new Error('Connection is closed.'), true],
    ['a command timeout', new Error('Command timed out'), true],
    ['a replica that cannot take writes', new ReplyError("READONLY You can't write"), true],
    ['Redis loading its data', new ReplyError('LOADING Redis is loading'), true],
    ['a script error', new ReplyError('ERR Error running script'), false],
    ['a wrong type', new ReplyError('WRONGTYPE Operation against a key'), false],
  ])('%s -> Redis unavailable: %s', (_what, err: Error, unavailable) => {
    const classified = fromRedisFailure(err);
    if (unavailable) {
      expect(classified).toMatchObject({ code: 'REG_ERR_REDIS_UNAVAILABLE', statusCode: 503 });
      expect((classified as Error).cause).toBe(err);
    } else {
      expect(classified).toBe(err);
    }
  });
});

describe('README error table', () => {
  it('lists every code with its status', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    // Prettier pads table cells, so allow any run of spaces before each `|`.
    const rows = readme.replace(/ +\|/g, ' |');
    for (const [code, { status }] of Object.entries(ERRORS)) {
      expect(rows).toContain(`| \`${code}\` | ${status} |`);
    }
  });
});
