import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository root: the nearest folder above this file that holds tsconfig.base.json. The
 * bench compiles with the repository root as rootDir (it shares test/helpers with the tests,
 * bench/tsconfig.json), so this file runs as bench/dist/bench/src/lib/paths.js; the reliability
 * soak (test/reliability/support/soak/) runs it from source under jest.
 */
function repositoryRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir))
    if (existsSync(join(dir, 'tsconfig.base.json'))) return dir;
  throw new Error(`no tsconfig.base.json above ${from}`);
}

export const ROOT = repositoryRoot(__dirname);
/** bench/ itself: its Lua scripts and results. */
export const BENCH_DIR = join(ROOT, 'bench');
