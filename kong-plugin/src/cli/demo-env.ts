/**
 * The settings a running `npm run demo` leaves for `kong-registry` in another shell: the demo
 * writes KONG_ADMIN_URL, REGISTRY_URL and its admin REGISTRY_TOKEN to one file (owner-only, it
 * holds a token) and removes it when it stops; `routes`, `diff`, `sync` and `explain` read it for
 * the variables that are not set (config.ts, the only reader of the environment, applies it). The
 * file names the demo's pid, so one left behind by a demo that was killed is recognised as stale
 * and ignored. Every function takes the environment it works for as an argument.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** The variables the demo hands over. */
export const DEMO_ENV_KEYS = ['KONG_ADMIN_URL', 'REGISTRY_URL', 'REGISTRY_TOKEN'] as const;
const PID_KEY = 'KONG_REGISTRY_DEMO_PID';

/** `$XDG_CONFIG_HOME/kong-registry/demo.env`, or `~/.config/kong-registry/demo.env`. */
export function demoEnvPath(env: Readonly<Record<string, string | undefined>>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'kong-registry', 'demo.env');
}

/** Writes the file for this process; returns its path. */
export function writeDemoEnv(
  values: Record<(typeof DEMO_ENV_KEYS)[number], string>,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const path = demoEnvPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const lines = [
    `# Written by \`npm run demo\` (pid ${process.pid}) for kong-registry commands in other shells.`,
    '# Removed when the demo stops; ignored once that process is gone.',
    `${PID_KEY}=${process.pid}`,
    ...DEMO_ENV_KEYS.map((key) => `${key}=${values[key]}`),
  ];
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  return path;
}

/** Removes the file if this process wrote it. */
export function removeDemoEnv(env: Readonly<Record<string, string | undefined>>): void {
  const path = demoEnvPath(env);
  if (readPairs(path)[PID_KEY] === String(process.pid)) rmSync(path, { force: true });
}

/**
 * The running demo's settings for the variables `env` leaves unset, and the file they came from;
 * empty when there is no file, or its demo is no longer running.
 */
export function demoEnvFor(env: Readonly<Record<string, string | undefined>>): {
  values: Record<string, string>;
  path: string;
} {
  const path = demoEnvPath(env);
  const pairs = readPairs(path);
  const values: Record<string, string> = {};
  if (!isRunning(Number(pairs[PID_KEY]))) return { values, path };
  for (const key of DEMO_ENV_KEYS) {
    const value = pairs[key];
    if (value !== undefined && !env[key]) values[key] = value;
  }
  return { values, path };
}

function readPairs(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  const pairs: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (line.startsWith('#') || at <= 0) continue;
    pairs[line.slice(0, at)] = line.slice(at + 1);
  }
  return pairs;
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
