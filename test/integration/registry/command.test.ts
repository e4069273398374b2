import { runRegistryCommand } from '@kong-registry/registry';
import { uniquePrefix } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';

/** Runs `kong-registry registry` in-process, as the CLI does, and stops it with SIGTERM. */
describe('kong-registry registry (command)', () => {
  const saved = { ...process.env };
  let stderr: string[];
  let stdout: string[];
  beforeEach(() => {
    stderr = [];
    stdout = [];
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    jest.spyOn(console, 'log').mockImplementation((line: string) => void stdout.push(line));
    jest.spyOn(console, 'error').mockImplementation((line: string) => void stderr.push(line));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.env = saved;
  });

  it('starts on embedded defaults without a secret, prints an admin token, and stops on SIGTERM', async () => {
    process.env = { ...saved, LOG_LEVEL: 'silent', REGISTRY_KEY_PREFIX: uniquePrefix('cmd') };
    delete process.env.REGISTRY_JWT_SECRET;
    const exit = runRegistryCommand(['--port', '0', '--host', '127.0.0.1']);
    const banner = await waitFor(
      () => {
        const text = stderr.join('');
        return /^ {2}eyJ\S+$/m.test(text) ? text : undefined;
      },
      { what: 'the admin token banner' },
    );
    const token = /^ {2}(eyJ\S+)$/m.exec(banner)?.[1] ?? '';
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1] ?? '';
    const res = await fetch(`${url}/v1/state`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    process.emit('SIGTERM', 'SIGTERM');
    await expect(exit).resolves.toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('prints help, and refuses bad flags and bad config with exit code 1', async () => {
    expect(await runRegistryCommand(['--help'])).toBe(0);
    expect(stdout.join('\n')).toContain('Usage: kong-registry registry');
    expect(await runRegistryCommand(['--port', 'x'])).toBe(1);
    expect(await runRegistryCommand(['--nope'])).toBe(1);
    process.env = { ...saved, REGISTRY_JWT_SECRET: 'short', REGISTRY_LEASE_TTL_SECONDS: 'abc' };
    expect(await runRegistryCommand([])).toBe(1);
    const text = stderr.join('\n');
    expect(text).toContain('REGISTRY_JWT_SECRET');
    expect(text).toContain('REGISTRY_LEASE_TTL_SECONDS');
  });
});
