import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Repository root. */
export const ROOT = join(__dirname, '..', '..', '..');

/** Builds sdk/dist (incremental, quick when fresh): child processes import the SDK as users do. */
export function buildSdk(): void {
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(ROOT, 'sdk')],
    {
      stdio: 'inherit',
    },
  );
}
