import { join } from 'node:path';

/**
 * The repository root. The bench compiles with the repository root as rootDir, because it shares
 * test/helpers with the tests (bench/tsconfig.json), so this file runs as
 * bench/dist/bench/src/lib/paths.js.
 */
export const ROOT = join(__dirname, '..', '..', '..', '..', '..');
/** bench/ itself: its Lua scripts and results. */
export const BENCH_DIR = join(ROOT, 'bench');
