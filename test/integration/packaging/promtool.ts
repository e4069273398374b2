import { spawnSync } from 'node:child_process';

/**
 * Runs promtool (Debian package `prometheus`, installed by `npm test`) in `cwd`; its exit status
 * and its stdout and stderr together.
 */
export function promtool(
  cwd: string,
  ...args: string[]
): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (run.error) {
    throw new Error(
      `promtool could not run (${run.error.message}): install the Debian package prometheus (npm test does)`,
    );
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
