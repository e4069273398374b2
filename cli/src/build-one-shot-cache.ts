/**
 * Build step (cli's `bundle` script, after esbuild): stores V8's code cache for the one-shot
 * sync/diff bundle next to it. See one-shot.ts.
 */
import { writeOneShotCodeCache } from './one-shot';

writeOneShotCodeCache();
