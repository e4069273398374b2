import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, isConfigError } from './coded-error';
import { deepFreeze, parseFields, readSecretSetting, withoutEmptyValues } from './settings';

/** A stand-in for a zod schema: what parseFields relies on, and nothing more. */
const port = {
  safeParse: (input: unknown) =>
    typeof input === 'string' && /^\d+$/.test(input)
      ? { success: true as const, data: Number(input) }
      : { success: false as const, error: { issues: [{ message: 'must be a number' }] } },
};
const name = {
  safeParse: (input: unknown) =>
    input === undefined
      ? { success: true as const, data: 'default' }
      : typeof input === 'string'
        ? { success: true as const, data: input }
        : { success: false as const, error: { issues: [{ message: 'must be text' }] } },
};

describe('parseFields', () => {
  it('checks every field on its own and says which ones passed', () => {
    const problems: string[] = [];
    const parsed = parseFields({ PORT: port, OTHER: port, NAME: name }, { PORT: 'x' }, problems);
    expect(problems).toEqual(['PORT: must be a number', 'OTHER: required']);
    expect(parsed.values.NAME).toBe('default');
    expect(parsed.ok('NAME')).toBe(true);
    expect(parsed.ok('NAME', 'PORT')).toBe(false);
  });

  it('names a field by its label', () => {
    const problems: string[] = [];
    parseFields({ port: port }, { port: 'x' }, problems, (key) => `--${key}`);
    expect(problems).toEqual(['--port: must be a number']);
  });
});

describe('secrets and files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kr-settings-'));
  const file = join(dir, 'secret');
  writeFileSync(file, 'from-file\n');

  it('reads NAME, or the trimmed file named by NAME_FILE, never both', () => {
    const problems: string[] = [];
    expect(readSecretSetting({ S: 'direct' }, 'S', problems)).toBe('direct');
    expect(readSecretSetting({ S_FILE: file }, 'S', problems)).toBe('from-file');
    expect(problems).toEqual([]);
    expect(readSecretSetting({ S: 'a', S_FILE: file }, 'S', problems)).toBeUndefined();
    expect(readSecretSetting({ S_FILE: join(dir, 'missing') }, 'S', problems)).toBeUndefined();
    expect(problems).toEqual([
      'S and S_FILE are both set: use one',
      `S_FILE: cannot read ${join(dir, 'missing')} (ENOENT)`,
    ]);
  });

  it('treats empty values as unset and freezes deeply', () => {
    expect(withoutEmptyValues({ A: '', B: 'b' })).toEqual({ B: 'b' });
    const frozen = deepFreeze({ inner: { list: [1] } });
    expect(Object.isFrozen(frozen.inner.list)).toBe(true);
  });
});

describe('ConfigError', () => {
  it('lists every problem and is recognised by its code, whichever package made it', () => {
    const err = new ConfigError('AGENT_ERR_CONFIG', 'agent', ['a: bad', 'b: worse']);
    expect(err.message).toBe('invalid agent configuration:\n  - a: bad\n  - b: worse');
    expect(err.name).toBe('ConfigError');
    expect(isConfigError(err)).toBe(true);
    expect(isConfigError({ code: 'REG_ERR_CONFIG', problems: [] })).toBe(true);
    expect(isConfigError({ code: 'REG_ERR_VALIDATION', problems: [] })).toBe(false);
    expect(isConfigError(new Error('x'))).toBe(false);
  });
});
