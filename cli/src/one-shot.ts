/**
 * Loads `kong-registry sync` / `diff` fast. Start-up is most of a one-shot sync's time at 100
 * services (bench/profiles/controller-reconcile.md), so the build bundles kong-plugin's
 * cli/run-diff and what it imports into one file with esbuild (one read instead of ~180, and
 * zod's ESM build without its locales), then stores V8's code cache for it: compiling the
 * bundle was the largest part of loading it.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import type { CommandRunner } from './commands';

/** The two exports of kong-plugin's cli/run-diff module. */
export interface OneShotModule {
  runDiffCommand: CommandRunner;
  runSyncCommand: CommandRunner;
}

/** Written by cli's `bundle` script (part of `npm run build`). */
export const ONE_SHOT_BUNDLE = join(__dirname, 'bundle', 'one-shot.js');
const CODE_CACHE = `${ONE_SHOT_BUNDLE}.cache`;

/** Build stamps that tsc rewrites whenever it emits the code the bundle was made from. */
const BUNDLED_PROJECTS = ['kong-plugin', 'sdk'].map((project) =>
  join(__dirname, '..', '..', project, 'dist', '.tsbuildinfo'),
);

function modifiedAt(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
}

type CommonJsWrapper = (
  exports: unknown,
  require: NodeJS.Require,
  module: { exports: unknown },
  filename: string,
  dirname: string,
) => void;

/** Compiles (with `cachedData` when V8 accepts it) and runs the bundle as a CommonJS module. */
function runBundle(cachedData: Buffer | undefined): { script: Script; exports: OneShotModule } {
  const script = new Script(wrap(readFileSync(ONE_SHOT_BUNDLE, 'utf8')), {
    filename: ONE_SHOT_BUNDLE,
    ...(cachedData ? { cachedData } : {}),
  });
  const module = { exports: {} as OneShotModule };
  const body = script.runInThisContext() as CommonJsWrapper;
  body.call(
    module.exports,
    module.exports,
    createRequire(ONE_SHOT_BUNDLE),
    module,
    ONE_SHOT_BUNDLE,
    dirname(ONE_SHOT_BUNDLE),
  );
  return { script, exports: module.exports };
}

/**
 * The bundle when it is at least as new as the last tsc build of kong-plugin and the SDK, else
 * the compiled modules: a bare `tsc -b` after an edit must not leave `sync` running old code.
 * The code cache is used only when written after the bundle (V8 checks the source length, not
 * its content); with --enable-source-maps the bundle is required normally so that Node maps
 * stack traces to the TypeScript sources through one-shot.js.map.
 */
export async function loadOneShot(): Promise<OneShotModule> {
  const bundledAt = modifiedAt(ONE_SHOT_BUNDLE);
  if (bundledAt === 0 || BUNDLED_PROJECTS.some((stamp) => modifiedAt(stamp) > bundledAt)) {
    return import('@kong-registry/kong-plugin/dist/cli/run-diff.js');
  }
  if (process.sourceMapsEnabled) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a built file, not a module id
    return require(ONE_SHOT_BUNDLE) as OneShotModule;
  }
  const cacheFresh = modifiedAt(CODE_CACHE) >= bundledAt;
  return runBundle(cacheFresh ? readFileSync(CODE_CACHE) : undefined).exports;
}

/**
 * Writes the bundle's code cache (run by the build right after esbuild). The bundle's top level
 * runs first, so the functions it compiles on the way (zod's schema set-up) are in the cache too.
 */
export function writeOneShotCodeCache(): void {
  const { script } = runBundle(undefined);
  writeFileSync(CODE_CACHE, script.createCachedData());
}
