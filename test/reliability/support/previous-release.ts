/**
 * The previous release of kong-registry, built from this repository's history into a folder under
 * os.tmpdir() keyed by its commit: `git archive` of the commit, then `npm ci` (whose `prepare`
 * builds dist/). The first run pays the install and build (25-45 s on 2 cores with npm's cache
 * warm, as it is after the `npm ci` of this checkout); later runs find the folder built.
 * A lock keeps two jest workers from building it at the same time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../helpers/build';

/**
 * The last commit before the stored-data format stamp (issue #16, part 2): a registry that keeps
 * the prefix index but knows nothing of `{p}schema`.
 */
export const PREVIOUS_RELEASE = 'c962ba9f2c16fdc9e05040caf0fabd4032c7a1b8';

/** Marks a finished build; a folder without it is rebuilt. */
const BUILT = '.kr-release-built';

/** What the build did: where the release is and whether this call built it. */
export interface PreviousRelease {
  dir: string;
  /** The `kong-registry` command of that release. */
  bin: string;
  commit: string;
  /** False when an earlier run's build was found. */
  built: boolean;
}

// Builds next to the final folder and renames it into place, so a build cut short never looks done.
const BUILD_SCRIPT = `
set -eu
dir="$1"; commit="$2"; root="$3"
[ -f "$dir/${BUILT}" ] && exit 0
work="$dir.partial"
rm -rf "$work"
mkdir -p "$work"
git -C "$root" archive "$commit" | tar -x -C "$work"
cd "$work"
npm ci --no-audit --no-fund --prefer-offline --loglevel=error
touch "${BUILT}"
cd /
rm -rf "$dir"
mv "$work" "$dir"
`;

/** Builds `commit` (once per machine until the temp folder is cleaned) and says where it is. */
export function previousRelease(commit = PREVIOUS_RELEASE): PreviousRelease {
  const dir = join(tmpdir(), `kong-registry-release-${commit.slice(0, 12)}`);
  const bin = join(dir, 'cli', 'bin', 'kong-registry.js');
  if (existsSync(join(dir, BUILT))) return { dir, bin, commit, built: false };
  try {
    execFileSync('git', ['-C', ROOT, 'cat-file', '-e', `${commit}^{commit}`], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(
      `commit ${commit} (the previous release) is not in this clone: fetch the full history (git fetch --unshallow)`,
      { cause: err },
    );
  }
  try {
    execFileSync(
      'flock',
      [
        join(tmpdir(), 'kong-registry-release.lock'),
        'bash',
        '-c',
        BUILD_SCRIPT,
        'build',
        dir,
        commit,
        ROOT,
      ],
      { stdio: 'pipe', timeout: 300_000 },
    );
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(
      `building the previous release ${commit} in ${dir} failed: ${String(stderr ?? '').slice(-2000)}${String(stdout ?? '').slice(-500)}`,
      { cause: err },
    );
  }
  return { dir, bin, commit, built: true };
}
