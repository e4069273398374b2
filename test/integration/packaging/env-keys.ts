import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** The KEY of every `KEY=value` line of an env file. */
export function envKeys(text: string): string[] {
  return [...text.matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
}

/**
 * The keys a package's config module (the only file that reads process.env) never mentions, so
 * a renamed variable breaks the test instead of a deployment. `X_FILE` counts as `X`: the config
 * modules resolve `${name}_FILE` generically.
 */
export function unknownTo(configModule: string, keys: string[]): string[] {
  const source = readFileSync(join(ROOT, configModule), 'utf8');
  return keys.filter((key) => !new RegExp(`\\b${key.replace(/_FILE$/, '')}\\b`).test(source));
}
