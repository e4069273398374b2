/**
 * What every settings loader of the project (registry, controller, agent) does the same way:
 * read `NAME` or the file named by `NAME_FILE`, treat empty values as unset, check each variable
 * on its own so that one bad value does not hide the next, and freeze the result. Each loader
 * then throws one ConfigError (coded-error.ts) listing every problem it found.
 */
import { readFileSync } from 'node:fs';

/** A variable's checker, shaped like a zod schema (`safeParse`), so this module needs no zod. */
export interface FieldSchema<T = unknown> {
  safeParse(
    input: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { message: string }[] } };
}

/** The value type a {@link FieldSchema} produces. */
export type FieldValue<S> = S extends { safeParse(input: unknown): infer R }
  ? Extract<R, { success: true }> extends { data: infer D }
    ? D
    : never
  : never;

/** Each variable checked on its own: the values that passed, and which ones did. */
export interface ParsedFields<Shape extends Record<string, FieldSchema>> {
  /**
   * Every variable's value. One that failed its check holds undefined whatever its type says:
   * read it only in checks guarded by {@link ParsedFields.ok}, or after the loader has thrown
   * for the problems collected.
   */
  values: { [K in keyof Shape]: FieldValue<Shape[K]> };
  /** True when each named variable passed its own check (so a rule between them can be tested). */
  ok(...keys: (keyof Shape)[]): boolean;
}

/**
 * Checks each variable of `shape` against `input` separately and appends one line per failure
 * to `problems`: `NAME: why`, or `NAME: required` for a missing one (`label` renames NAME, e.g.
 * to the flag that sets it). Unlike parsing the whole object, it goes on after the first bad
 * variable, as the loaders promise to list every problem at once.
 */
export function parseFields<Shape extends Record<string, FieldSchema>>(
  shape: Shape,
  input: Readonly<Record<string, unknown>>,
  problems: string[],
  label: (key: string) => string = (key) => key,
): ParsedFields<Shape> {
  const values: Record<string, unknown> = {};
  const failed = new Set<string>();
  for (const [key, schema] of Object.entries(shape)) {
    const result = schema.safeParse(input[key]);
    if (result.success) {
      if (result.data !== undefined) values[key] = result.data;
      continue;
    }
    failed.add(key);
    if (input[key] === undefined) problems.push(`${label(key)}: required`);
    else for (const issue of result.error.issues) problems.push(`${label(key)}: ${issue.message}`);
  }
  return {
    values: values as ParsedFields<Shape>['values'],
    ok: (...keys) => keys.every((key) => !failed.has(key as string)),
  };
}

/** A copy of `env` without empty values: `VAR= cmd` means "unset", as in most shells. */
export function withoutEmptyValues(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  const kept: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) if (value !== '') kept[key] = value;
  return kept;
}

/** The text of a file named by `variable`, or undefined after recording why it cannot be read. */
export function readSettingFile(
  path: string,
  variable: string,
  problems: string[],
): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    problems.push(`${variable}: cannot read ${path} (${code})`);
    return undefined;
  }
}

/**
 * `NAME`, or the trimmed content of the file named by `NAME_FILE` (how Docker and systemd pass
 * secrets). Setting both is a problem: which one wins would be a guess.
 */
export function readSecretSetting(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  problems: string[],
): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return direct === '' ? undefined : direct;
  if (direct !== undefined && direct !== '') {
    problems.push(`${name} and ${name}_FILE are both set: use one`);
    return undefined;
  }
  return readSettingFile(file, `${name}_FILE`, problems)?.trim();
}

/** Freezes `value` and everything inside it, so a loaded configuration cannot be changed. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
