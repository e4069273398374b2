/**
 * file-log's log phase (K:kong/plugins/file-log/handler.lua): the entry as one JSON line appended
 * to `config.path`, the file created when missing, written at once (a blocking write, as Kong's).
 */
import { appendFileSync } from 'node:fs';
import type { Row } from '../../schema/types';

/** Appends the entry; returns the error message when the file cannot be written. */
export function logToFile(config: Row, entryJson: string): string | undefined {
  try {
    appendFileSync(String(config.path), `${entryJson}\n`, { mode: 0o644 });
    return undefined;
  } catch (err) {
    return `failed to open the file: ${err instanceof Error ? err.message : String(err)}`;
  }
}
