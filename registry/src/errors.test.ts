import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERRORS, isRedisUnavailableError, isRegistryError, RegistryError } from './errors';

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

  it.each([
    ["Stream isn't writeable and enableOfflineQueue options is false", true],
    ['Connection is closed.', true],
    ['Command timed out', true],
    ['connect ECONNREFUSED 127.0.0.1:6379', true],
    ['ERR Error running script', false],
  ])('%s -> Redis unavailable: %s', (message, expected) => {
    expect(isRedisUnavailableError(new Error(message))).toBe(expected);
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
