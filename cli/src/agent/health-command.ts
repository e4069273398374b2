import { execFile } from 'node:child_process';
import type { ProbeResult } from './health-probe';

/** Most output kept from a health command: only its last line is reported. */
const MAX_OUTPUT_BYTES = 64 * 1024;

/** The last non-empty line of a command's output, for the detail of an unhealthy report. */
export function lastLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

/**
 * Runs `command` with `/bin/sh -c` (what a systemd unit or a cron line would): healthy when it
 * exits 0 within `timeoutMs`, else unhealthy with its exit status and last output line. Never
 * rejects; a command that overruns is killed.
 */
export function runHealthCommand(command: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(
      '/bin/sh',
      ['-c', command],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true },
      (err, stdout, stderr) => {
        if (!err) return resolve({ ok: true, status: 0 });
        const said = lastLine(`${stdout}\n${stderr}`);
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        const why = e.killed
          ? `no answer within ${timeoutMs} ms`
          : typeof e.code === 'number'
            ? `exit ${e.code}`
            : (e.message ?? 'failed');
        resolve({
          ok: false,
          ...(typeof e.code === 'number' ? { status: e.code } : {}),
          error: said ? `${why}: ${said}` : why,
        });
      },
    );
  });
}
