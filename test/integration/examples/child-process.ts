import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { startRegistry, type RunningRegistry } from '@kong-registry/registry';
import { sharedRedisUrl, uniquePrefix } from '../../helpers/redis';

/** An example service started as a child process, as the demo and users run it. */
export interface ExampleProcess {
  child: ChildProcess;
  /** The JSON line it printed on stdout once registered. */
  ready: { service: string; instanceId: string; port: number; host?: string };
  /** Everything it wrote to stderr so far (its log lines). */
  stderr(): string;
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns `command args` and waits for its first stdout line (the ready line, JSON). Rejects with
 * the child's stderr when it exits first or stays silent for `timeoutMs`.
 */
export function startExample(
  command: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<ExampleProcess> {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      reject(
        new Error(`${command} printed no ready line within ${timeoutMs} ms; stderr:\n${stderr}`),
      );
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before its ready line; stderr:\n${stderr}`));
    });
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve({
          child,
          ready: JSON.parse(line) as ExampleProcess['ready'],
          stderr: () => stderr,
          stop,
        });
      } catch (err) {
        void stop('SIGKILL');
        reject(new Error(`ready line is not JSON: ${line} (${String(err)})`));
      }
    });
  });
}

/** Runs a command to completion; resolves with its exit code and output. */
export function runToExit(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A real registry on a free port over the shared Redis, with its own key prefix. */
export async function startTestRegistry(label: string): Promise<RunningRegistry> {
  return startRegistry({
    host: '127.0.0.1',
    port: 0,
    env: {
      REDIS_URL: sharedRedisUrl(),
      REGISTRY_KEY_PREFIX: uniquePrefix(label),
      REGISTRY_JWT_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'silent',
    },
  });
}

/** Deletes this registry's keys (its prefix only) and stops it. */
export async function stopTestRegistry(registry: RunningRegistry | undefined): Promise<void> {
  if (!registry) return;
  const keys = await registry.redis.keys(`${registry.config.keyPrefix}*`);
  if (keys.length > 0) await registry.redis.del(...keys);
  await registry.close();
}

/** GET a registry path with the admin token; resolves with status and parsed body. */
export async function getFromRegistry(
  registry: RunningRegistry,
  path: string,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${registry.url}${path}`, {
    headers: { Authorization: `Bearer ${registry.adminToken ?? ''}` },
  });
  return { status: response.status, body: await response.json() };
}
