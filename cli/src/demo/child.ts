/**
 * One child process of the demo stack: spawned with a clean environment, its stdout and stderr
 * split into lines, rendered short and handed to a log sink under a `[name]` prefix. Lines stay
 * observable (`waitForLine`) so the orchestrator can read ready lines and URLs from them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { formatLogLine } from './log-format';

/** Where rendered log lines go: the terminal in the demo, a buffer in tests. */
export type LogSink = (name: string, level: string, text: string) => void;

/** What to spawn. */
export interface ChildSpec {
  /** Short name used as the log prefix, e.g. `orders-1`. */
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

type LineListener = (line: string, stream: 'stdout' | 'stderr') => void;

/** A spawned child with line-level access to its output and ordered stopping. */
export class ManagedChild {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  #listeners = new Set<LineListener>();
  #forced = false;
  #lines: [string, 'stdout' | 'stderr'][] = [];

  constructor(spec: ChildSpec, sink: LogSink) {
    this.name = spec.name;
    this.process = spawn(spec.command, spec.args, {
      env: spec.env,
      cwd: spec.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: a terminal's Ctrl-C reaches only the demo, which then stops the
      // children in order instead of all at once.
      detached: true,
    });
    this.exited = new Promise((resolve) => {
      this.process.once('error', (err) => {
        sink(this.name, 'ERROR', `could not start ${spec.command}: ${err.message}`);
        resolve(`error: ${err.message}`);
      });
      this.process.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const input = this.process[stream];
      if (!input) continue;
      createInterface({ input }).on('line', (line) => {
        this.#lines.push([line, stream]);
        if (this.#lines.length > 2000) this.#lines.shift();
        const formatted = formatLogLine(line);
        sink(this.name, formatted.level, formatted.text);
        for (const listener of this.#listeners) listener(line, stream);
      });
    }
  }

  /** Process id (undefined if spawning failed). */
  get pid(): number | undefined {
    return this.process.pid;
  }

  /** True when `stop()` had to SIGKILL it after the grace period. */
  get forced(): boolean {
    return this.#forced;
  }

  /** True until the process exits. */
  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** The last lines of output, raw (for error messages). */
  tail(count = 20): string {
    return this.#lines
      .slice(-count)
      .map(([line]) => line)
      .join('\n');
  }

  /**
   * Resolves with the first line (past or future) that `match` accepts; rejects when the process
   * exits first or after `timeoutMs`.
   */
  waitForLine<T>(
    match: (line: string, stream: 'stdout' | 'stderr') => T | undefined,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    for (const [line, stream] of this.#lines) {
      const found = match(line, stream);
      if (found !== undefined) return Promise.resolve(found);
    }
    return new Promise<T>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      const listener: LineListener = (line, stream) => {
        const found = match(line, stream);
        if (found === undefined) return;
        done();
        resolve(found);
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `${this.name}: no ${what} within ${timeoutMs} ms; last output:\n${this.tail()}`,
          ),
        );
      }, timeoutMs);
      this.#listeners.add(listener);
      void this.exited.then((code) => {
        if (!this.#listeners.has(listener)) return;
        done();
        reject(
          new Error(`${this.name} exited (${code}) before ${what}; last output:\n${this.tail()}`),
        );
      });
    });
  }

  /** Sends `signal`; resolves immediately (use `exited` to wait). No-op once exited. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.process.kill(signal);
  }

  /**
   * Graceful stop: `signal` (SIGTERM), then SIGKILL after `graceMs`. Resolves with the exit code
   * or signal name. Idempotent.
   */
  async stop(graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
    if (!this.running) return this.exited;
    this.process.kill(signal);
    const timer = setTimeout(() => {
      this.#forced = true;
      this.signal('SIGKILL');
    }, graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Parses the first JSON object line of a child's stdout (ready lines), or undefined. */
export function jsonLine<T>(line: string, stream: 'stdout' | 'stderr'): T | undefined {
  if (stream !== 'stdout' || !line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined;
  }
}
