import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** A child process whose output is collected as it arrives. */
export interface CapturedProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
}

/** Spawns `command` with stdin closed and both output streams captured as UTF-8 text. */
export function spawnCaptured(
  command: string,
  args: string[],
  options: Omit<SpawnOptions, 'stdio'> = {},
): CapturedProcess {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}
