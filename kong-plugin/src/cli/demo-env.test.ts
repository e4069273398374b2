import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoEnvFor, demoEnvPath, removeDemoEnv, writeDemoEnv } from './demo-env';

describe('the demo env file', () => {
  const home = mkdtempSync(join(tmpdir(), 'kr-demo-env-'));
  const env = { HOME: home } as NodeJS.ProcessEnv;
  const values = {
    KONG_ADMIN_URL: 'http://127.0.0.1:8001',
    REGISTRY_URL: 'http://127.0.0.1:4000',
    REGISTRY_TOKEN: 'admin.token.sig',
  };

  afterEach(() => removeDemoEnv(env));

  it('is written owner-only under ~/.config, and fills only the variables that are unset', () => {
    const path = writeDemoEnv(values, env);
    expect(path).toBe(join(home, '.config', 'kong-registry', 'demo.env'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(demoEnvFor(env).values).toEqual(values);
    expect(demoEnvFor({ ...env, REGISTRY_URL: 'http://mine:4000' }).values).toEqual({
      KONG_ADMIN_URL: values.KONG_ADMIN_URL,
      REGISTRY_TOKEN: values.REGISTRY_TOKEN,
    });
  });

  it('follows XDG_CONFIG_HOME', () => {
    expect(demoEnvPath({ XDG_CONFIG_HOME: '/x/conf', HOME: home })).toBe(
      '/x/conf/kong-registry/demo.env',
    );
  });

  it('is ignored once the demo that wrote it is gone, and removed only by that demo', () => {
    const path = writeDemoEnv(values, env);
    const text = readFileSync(path, 'utf8');
    // A demo that was SIGKILLed leaves its file: another pid, no longer running.
    writeFileSync(path, text.replace(`=${process.pid}`, '=2147483646'));
    expect(demoEnvFor(env).values).toEqual({});
    removeDemoEnv(env);
    expect(existsSync(path)).toBe(true);
    writeDemoEnv(values, env);
    removeDemoEnv(env);
    expect(existsSync(path)).toBe(false);
  });
});
