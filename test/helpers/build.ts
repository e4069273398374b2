import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Repository root. */
export const ROOT = join(__dirname, '..', '..');

/**
 * Builds a TypeScript project and what it references into dist/ (incremental: quick when
 * fresh), for suites that run built code as child processes, the way users run it. One lock for
 * every caller: jest runs suites in parallel workers, and two `tsc -b` writing the same
 * dist/ (the SDK is referenced by almost everything) race.
 */
export function buildProject(relativeDir: string): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(
    'flock',
    [
      join(tmpdir(), 'kong-registry-build.lock'),
      process.execPath,
      tsc,
      '-b',
      join(ROOT, relativeDir),
    ],
    { stdio: 'inherit' },
  );
}
