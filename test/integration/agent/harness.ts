/**
 * Helpers for the agent suites: a real registry (short leases, long drain so "draining" can be
 * observed), a health endpoint the test can flip, and the agent as a real child process
 * (`node cli/bin/kong-registry.js agent ...`), as systemd runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { startRegistry, type RunningRegistry } from '@kong-registry/registry';
import type { Instance, ServiceView } from '@kong-registry/sdk';
import { buildProject } from '../../helpers/build';
import { sharedRedisUrl, uniquePrefix } from '../../helpers/redis';

/** Repository root. */
export const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'cli', 'bin', 'kong-registry.js');

/** Builds cli/dist and what it references (the agent runs as a real child process). */
export function buildCli(): void {
  buildProject('cli');
}

/** A registry over the shared Redis: 1 s minimum lease, 30 s drain, a fast reaper. */
export function startAgentRegistry(env: Record<string, string> = {}): Promise<RunningRegistry> {
  return startRegistry({
    host: '127.0.0.1',
    port: 0,
    reaper: true,
    env: {
      REDIS_URL: sharedRedisUrl(),
      REGISTRY_KEY_PREFIX: uniquePrefix('agent'),
      REGISTRY_JWT_SECRET: randomBytes(32).toString('hex'),
      REGISTRY_LEASE_MIN_TTL_SECONDS: '1',
      REGISTRY_DRAIN_SECONDS: '30',
      REGISTRY_REAPER_INTERVAL_MS: '100',
      LOG_LEVEL: 'silent',
      ...env,
    },
  });
}

/** Deletes this registry's keys (its prefix only) and stops it. */
export async function stopAgentRegistry(registry: RunningRegistry | undefined): Promise<void> {
  if (!registry) return;
  const keys = await registry.redis.keys(`${registry.config.keyPrefix}*`);
  if (keys.length > 0) await registry.redis.del(...keys);
  await registry.close();
}

/** The instance as the registry reports it (admin view), undefined when absent. */
export async function instanceOf(
  registry: RunningRegistry,
  service: string,
  instanceId: string,
): Promise<Instance | undefined> {
  const response = await fetch(`${registry.url}/v1/services/${service}`, {
    headers: { authorization: `Bearer ${registry.adminToken ?? ''}` },
  });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET /v1/services/${service}: ${response.status}`);
  return ((await response.json()) as ServiceView).instances.find(
    (i) => i.instanceId === instanceId,
  );
}

/** A tiny service whose /health the test turns on and off; counts the probes it answered. */
export interface FlippableHealth {
  port: number;
  url: string;
  healthy: boolean;
  probes: number;
  close(): Promise<void>;
}

/** Starts a health endpoint on a free loopback port, healthy at first. */
export async function startHealthServer(): Promise<FlippableHealth> {
  const state = { healthy: true, probes: 0 };
  const server: Server = createServer((req, res) => {
    if (req.url === '/health') {
      state.probes++;
      res.writeHead(state.healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: state.healthy ? 'ok' : 'failing' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/health`,
    get healthy() {
      return state.healthy;
    },
    set healthy(value: boolean) {
      state.healthy = value;
    },
    get probes() {
      return state.probes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One log line of the agent (pino JSON). */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** The agent as a child process. */
export interface AgentProcess {
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs(): LogLine[];
  /** Raw stdout + stderr so far, for failure messages. */
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Sends `signal` (if still running) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns `kong-registry agent ...args` with a clean agent environment plus `env`. */
export function spawnAgent(args: string[], env: Record<string, string> = {}): AgentProcess {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(AGENT_|REGISTRY_|LOG_LEVEL$|REDIS_URL$)/.test(key),
    ),
  );
  const child = spawn(process.execPath, [BIN, 'agent', ...args], {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const logs = (): LogLine[] =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  return {
    child,
    logs,
    output: () => `${stdout}\n${stderr}`,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A temporary directory with a token file in it; `cleanup()` removes both. */
export function writeTokenFile(token: string): { path: string; dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kr-agent-'));
  const path = join(dir, 'token');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return { path, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The Python service of fixtures/plain_service.py, running. */
export interface PlainService {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts fixtures/plain_service.py (python3, standard library only) and reads its port. */
export function startPlainService(): Promise<PlainService> {
  const child = spawn('python3', [join(__dirname, 'fixtures', 'plain_service.py')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`plain_service.py exited (${code}): ${stderr}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      const { port } = JSON.parse(line) as { port: number };
      resolve({
        port,
        child,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}
