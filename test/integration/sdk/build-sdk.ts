import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Repository root. */
export const ROOT = join(__dirname, '..', '..', '..');

/**
 * Builds sdk/dist (incremental, quick when fresh): child processes import the SDK as users do.
 * Under flock, because jest runs suites in parallel workers and two tsc -b on one project race.
 */
export function buildSdk(): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(
    'flock',
    [
      join(tmpdir(), 'kong-registry-sdk-build.lock'),
      process.execPath,
      tsc,
      '-b',
      join(ROOT, 'sdk'),
    ],
    {
      stdio: 'inherit',
    },
  );
}
