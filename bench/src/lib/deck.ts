import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DEFAULT_OWNERSHIP_TAG } from '@kong-registry/kong-plugin';

const execFileAsync = promisify(execFile);

/** decK 1.4.0 (Debian's `deck`) as a separate process; resolves with its stdout. */
export async function deck(args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('deck', args, {
    env: { ...process.env, DECK_ANALYTICS: 'off' },
    timeout: 1_800_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

/** `deck dump` of the entities the controller owns (by its ownership tag) to a JSON `file`. */
export async function deckDumpOwned(kongAdmin: string, file: string): Promise<void> {
  await deck([
    'dump',
    '--kong-addr',
    kongAdmin,
    '--select-tag',
    DEFAULT_OWNERSHIP_TAG,
    '--format',
    'json',
    '-o',
    file,
  ]);
}
