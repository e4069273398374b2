import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Resolves after `ms`; benches pace phases with it (tests may not, benches measure time). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A child process the bench started, with its output kept for error reports. */
export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves when it has exited. */
  stop(): Promise<void>;
}

/** What stopAll() ends: every Proc, and the servers handed to track(). */
const running = new Set<{ stop(): Promise<void> }>();

/**
 * Has stopAll() stop `server` too, for servers the bench starts through the shared test helpers
 * (test/helpers/redis.ts) rather than startProcess. Returns `server`, whose stop() untracks it.
 */
export function track<T extends { stop(): Promise<void> }>(server: T): T {
  const stop = server.stop.bind(server);
  server.stop = async () => {
    running.delete(server);
    await stop();
  };
  running.add(server);
  return server;
}

/** Starts a long-running process; its stdout/stderr go to a ring buffer (last 64 KB). */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions = {},
): Proc {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let buffer = '';
  const keep = (chunk: Buffer): void => {
    buffer = (buffer + chunk.toString()).slice(-65_536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const proc: Proc = {
    name,
    child,
    pid: child.pid ?? -1,
    output: () => buffer,
    stop: async () => {
      running.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(proc);
  return proc;
}

/** Stops every process still running (on exit or failure). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

/** Resident set size of a process in bytes (VmRSS), or null when it is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Runs a command to completion and returns its stdout (rejects on a non-zero exit). */
export function run(
  command: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr || stdout}`));
    });
  });
}
