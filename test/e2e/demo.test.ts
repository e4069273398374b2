/**
 * `npm run demo` itself, as a user runs it (node cli/dist/demo/main.js, which scripts/demo.sh
 * execs): --help, bad flags, and the whole `--tour` from start-up to the ordered shutdown.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCaptured } from '../helpers/process';
import { waitFor } from '../helpers/wait';

const MAIN = join(__dirname, '..', '..', 'cli', 'dist', 'demo', 'main.js');
const CLI = join(__dirname, '..', '..', 'cli', 'bin', 'kong-registry.js');
/** A home of its own: the demo leaves its settings for other shells under ~/.config. */
const HOME = mkdtempSync(join(tmpdir(), 'kr-demo-home-'));

/**
 * The environment of a user's shell with nothing else set. Always kong-sim, even when the suite
 * runs against a real Kong: gateway.test.ts owns that Kong, and two stacks would fight over the
 * same service names there.
 */
function userEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME };
}

async function runDemo(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const demo = spawnCaptured(process.execPath, [MAIN, ...args], { env: userEnv() });
  const code = await demo.exited;
  return { code, stdout: demo.stdout(), stderr: demo.stderr() };
}

/** Index of the last (or first) log line of `name` matching `pattern`; -1 when none. */
function lineIndex(lines: string[], name: string, pattern: RegExp, last = false): number {
  const matches = lines
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => line.startsWith(`[${name}]`) && pattern.test(line));
  const found = last ? matches.at(-1) : matches[0];
  return found ? found.index : -1;
}

/** True while a process with this pid runs (an exited one not yet reaped, a zombie, is not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('npm run demo', () => {
  it('--help documents the flags and exits 0', async () => {
    const { code, stdout } = await runDemo(['--help']);
    expect(code).toBe(0);
    for (const flag of ['--tour', '--quiet', '--kong-admin-url', '--registry-port', '--proxy-port'])
      expect(stdout).toContain(flag);
  });

  it('refuses bad flags with every problem and exit 2', async () => {
    const { code, stderr } = await runDemo(['--instances', '0', '--kong-admin-url', 'http://x:1']);
    expect(code).toBe(2);
    expect(stderr).toContain('--instances must be 1..9');
    expect(stderr).toContain('set both or neither');
  });

  it('--tour passes every step, then stops services, controller, registry, Kong double and Redis in that order', async () => {
    const { code, stdout, stderr } = await runDemo(['--tour', '--verbose']);
    const failed = stdout.split('\n').filter((line) => line.includes('✗'));
    expect(failed).toEqual([]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/tour: (\d+)\/\1 steps passed/);
    expect(stdout).toContain('curl -s "$PROXY/orders/42" -H "apikey: $KEY"');
    expect(stdout).toMatch(/Admin page +http:\/\/127\.0\.0\.1:\d+\/ui#token=ey/);

    const lines = stderr.split('\n');
    const lastDeregistered = Math.max(
      ...['orders-2', 'users-1', 'users-2'].map((name) => lineIndex(lines, name, /deregistered/)),
    );
    const controllerStops = lineIndex(lines, 'controller', /shutting down/);
    const registryStops = lineIndex(lines, 'registry', /signal received/);
    expect(lastDeregistered).toBeGreaterThan(-1);
    expect(controllerStops).toBeGreaterThan(lastDeregistered);
    expect(registryStops).toBeGreaterThan(controllerStops);
    const kongStops = lineIndex(lines, 'kong-sim', /shutting down/);
    const redisStops = lineIndex(lines, 'redis', /SIGTERM/);
    expect(kongStops).toBeGreaterThan(registryStops);
    expect(redisStops).toBeGreaterThan(kongStops);
  }, 120_000);

  it('stops everything in order when the process that started it is SIGKILLed and cannot pass a signal on', async () => {
    // A stand-in for npm: starts the demo on the same stdout/stderr, prints its pid, then is killed.
    const launcher = spawn(
      process.execPath,
      [
        '-e',
        `const c = require('node:child_process').spawn(process.execPath, [${JSON.stringify(MAIN)}, '--no-python'], { stdio: 'inherit' });
         process.stdout.write('demo pid ' + c.pid + '\\n');`,
      ],
      { env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    launcher.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    launcher.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // Both pipes close only when every writer is gone: the launcher and the demo it started.
    const pipesClosed = Promise.all([
      new Promise((resolve) => launcher.stdout.once('close', resolve)),
      new Promise((resolve) => launcher.stderr.once('close', resolve)),
    ]);
    // On a timeout, what the demo printed by then (the message is built once the wait failed).
    await waitFor(() => stdout.includes('kong-registry demo is up'), {
      timeoutMs: 60_000,
      what: 'the demo up',
    }).catch((err: Error) => {
      throw new Error(
        `${err.message}\nstdout:\n${stdout.slice(-4000)}\nstderr:\n${stderr.slice(-4000)}`,
      );
    });
    const demoPid = Number(/demo pid (\d+)/.exec(stdout)?.[1]);
    expect(alive(demoPid)).toBe(true);

    try {
      launcher.kill('SIGKILL');
      await waitFor(() => !alive(demoPid), {
        timeoutMs: 60_000,
        what: `demo process ${demoPid} gone after its parent`,
      }).catch((err: Error) => {
        throw new Error(`${err.message}\nstderr:\n${stderr.slice(-4000)}`);
      });
      await pipesClosed;
      expect(stderr).toContain('is gone: stopping everything in order');
      expect(stderr).toMatch(/\[demo\] +.*stopped cleanly/);
    } finally {
      // On failure, stop the orphan the way a user would, so it cannot outlive the suite.
      if (alive(demoPid)) process.kill(demoPid, 'SIGTERM');
    }
  }, 120_000);

  it('shows lifecycle lines, not health probes, by default; a second shell runs `kong-registry routes` with no setup', async () => {
    const demo = spawnCaptured(process.execPath, [MAIN, '--no-python'], { env: userEnv() });
    try {
      await waitFor(() => demo.stdout().includes('kong-registry demo is up'), {
        timeoutMs: 60_000,
        what: `the demo up\n${demo.stderr()}`,
      });
      const stdout = demo.stdout();
      const envFile = join(HOME, '.config', 'kong-registry', 'demo.env');
      expect(stdout).toContain(envFile);
      expect(stdout).toMatch(
        /export KONG_ADMIN_URL=http\S+ REGISTRY_URL=http\S+ REGISTRY_TOKEN=ey\S+/,
      );

      // Another shell: nothing set but PATH and HOME.
      const routes = spawnSync(process.execPath, [CLI, 'routes'], {
        env: userEnv(),
        encoding: 'utf8',
      });
      expect(routes.status).toBe(0);
      expect(routes.stdout).toMatch(
        /^\/orders \(and \/orders\/\.\.\.\)( \*)? +orders +yes +key-auth/m,
      );
      expect(routes.stderr).toContain(`from the running demo (${envFile})`);

      // Kong probes every instance once a second: a few seconds of them, then the log.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const lines = demo.stderr().split('\n');
      expect(
        lines.filter((l) => /^\[(orders|users)-\d\]/.test(l) && l.includes('/health')),
      ).toEqual([]);
      expect(lines.some((l) => /^\[orders-1\].*registered/.test(l))).toBe(true);
      expect(lines.filter((l) => /^\[controller\].*already converged/.test(l))).toEqual([]);
    } finally {
      demo.child.kill('SIGINT');
      expect(await demo.exited).toBe(0);
    }
    expect(existsSync(join(HOME, '.config', 'kong-registry', 'demo.env'))).toBe(false);
  }, 120_000);
});
