import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { freePort } from './ports';
import { waitFor } from './wait';

/**
 * The throwaway Redis that `npm test` (scripts/test.sh) starts for the whole run. Tests share it
 * and stay apart by key prefix, like bullmq's tests do.
 */
export function sharedRedisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) {
    throw new Error(
      'REDIS_URL is not set: run the suites through `npm test`, which starts a throwaway redis-server',
    );
  }
  return url;
}

/** A key prefix no other test uses, so a test can clean up exactly what it wrote. */
export function uniquePrefix(label = 't'): string {
  return `kr-test:${label}:${randomBytes(4).toString('hex')}:`;
}

export interface RedisServerHandle {
  url: string;
  port: number;
  /** The running server's process id (-1 while stopped); the bench reads its memory from it. */
  readonly pid: number;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** SIGKILL, to simulate a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  restart(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** How startRedisServer runs redis-server beyond its defaults (loopback, free port, no persistence). */
export interface RedisServerOptions {
  /** More redis-server arguments after the defaults, e.g. `['--loglevel', 'warning']`. */
  args?: readonly string[];
  /**
   * Runs a Sentinel (`redis-server <conf> --sentinel`). Sentinel insists on a config file it can
   * rewrite: an empty one is created in the server's folder; configure it through `args`
   * (`['--sentinel', 'monitor', name, host, port, quorum]`).
   */
  sentinel?: boolean;
}

/**
 * A private redis-server on a free port, for tests that stop, kill or flush Redis and must not
 * disturb the shared one, and for the bench (bench/src/lib/services.ts), which starts its own.
 */
export async function startRedisServer(
  options: RedisServerOptions = {},
): Promise<RedisServerHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kr-redis-'));
  const mode: string[] = [];
  if (options.sentinel) {
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(conf, '');
    mode.push(conf, '--sentinel');
  }
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      [
        ...mode,
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        ...(options.args ?? []),
      ],
      { stdio: 'ignore' },
    );
    await waitFor(() => ping(port), { timeoutMs: 10_000, what: `redis-server on port ${port}` });
  };
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill(signal);
    });
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.pid ?? -1;
    },
    stop: async () => {
      await end('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => end('SIGKILL'),
    restart: launch,
  };
}
