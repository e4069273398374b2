/**
 * Upstream settings: Kong's timeouts and retries towards a service's instances, set on its Kong
 * service (`connect_timeout`, `read_timeout`, `write_timeout`, `retries`). The bounds and defaults
 * are Kong's own, so what the registry accepts Kong accepts, and a service that sets none gets
 * exactly what Kong gives a service by default.
 */
import type { UpstreamSettings } from './contract';

/**
 * Bounds of the three timeouts, in ms: Kong 3.9.3's `nonzero_timeout` in
 * kong/db/schema/entities/services.lua, an integer `between = { 1, math.pow(2, 31) - 2 }`. (The
 * `timeout` typedef of kong/db/schema/typedefs.lua admits 0; a service's timeouts do not.)
 */
export const UPSTREAM_TIMEOUT_MS_RANGE: Readonly<{ min: number; max: number }> = Object.freeze({
  min: 1,
  max: 2 ** 31 - 2,
});
/** Bounds of `retries`: Kong 3.9.3's kong/db/schema/entities/services.lua, `between = { 0, 32767 }`. */
export const UPSTREAM_RETRIES_RANGE: Readonly<{ min: number; max: number }> = Object.freeze({
  min: 0,
  max: 32_767,
});
/**
 * Kong's defaults of those fields (the same file: 60000 for each timeout, 5 retries): what a
 * service gets when its definition has no `upstream`.
 */
export const DEFAULT_UPSTREAM: Readonly<UpstreamSettings> = Object.freeze({
  connectTimeoutMs: 60_000,
  readTimeoutMs: 60_000,
  writeTimeoutMs: 60_000,
  retries: 5,
});

/** Each upstream setting, in contract order, with the Kong service field it sets and its bounds. */
export const UPSTREAM_FIELDS: Readonly<
  Record<
    keyof UpstreamSettings,
    Readonly<{ kongField: string; range: Readonly<{ min: number; max: number }>; ms: boolean }>
  >
> = Object.freeze({
  connectTimeoutMs: { kongField: 'connect_timeout', range: UPSTREAM_TIMEOUT_MS_RANGE, ms: true },
  readTimeoutMs: { kongField: 'read_timeout', range: UPSTREAM_TIMEOUT_MS_RANGE, ms: true },
  writeTimeoutMs: { kongField: 'write_timeout', range: UPSTREAM_TIMEOUT_MS_RANGE, ms: true },
  retries: { kongField: 'retries', range: UPSTREAM_RETRIES_RANGE, ms: false },
});

/** The names of the upstream settings, in contract order. */
export const UPSTREAM_FIELD_NAMES = Object.keys(UPSTREAM_FIELDS) as (keyof UpstreamSettings)[];

/** One upstream setting's rule in words, as error messages state it (the field is the path). */
export function upstreamFieldRule(field: keyof UpstreamSettings): string {
  const { kongField, range, ms } = UPSTREAM_FIELDS[field];
  return `an integer ${ms ? 'of milliseconds ' : ''}from ${range.min} to ${range.max} (Kong's ${kongField})`;
}

/** The shape of `upstream` in words. */
export const UPSTREAM_SHAPE_RULE = `upstream is an object of ${UPSTREAM_FIELD_NAMES.join(', ')}, each optional`;

/** True when `value` is an integer within `field`'s bounds. */
export function isUpstreamValue(field: keyof UpstreamSettings, value: unknown): value is number {
  const { range } = UPSTREAM_FIELDS[field];
  return (
    typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max
  );
}

/** Every problem of an `upstream` object, as `{ path, message }` rows (empty when it is fine). */
export function upstreamProblems(value: unknown): { path: string; message: string }[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [{ path: 'upstream', message: UPSTREAM_SHAPE_RULE }];
  const problems: { path: string; message: string }[] = [];
  for (const [key, given] of Object.entries(value as Record<string, unknown>)) {
    if (!Object.hasOwn(UPSTREAM_FIELDS, key))
      problems.push({ path: `upstream.${key}`, message: `unknown: ${UPSTREAM_SHAPE_RULE}` });
    else if (given !== undefined && !isUpstreamValue(key as keyof UpstreamSettings, given))
      problems.push({
        path: `upstream.${key}`,
        message: upstreamFieldRule(key as keyof UpstreamSettings),
      });
  }
  return problems;
}

/** `given` with Kong's default in every field it leaves out, in contract order. */
export function resolveUpstream(given: Partial<UpstreamSettings>): UpstreamSettings {
  return {
    connectTimeoutMs: given.connectTimeoutMs ?? DEFAULT_UPSTREAM.connectTimeoutMs,
    readTimeoutMs: given.readTimeoutMs ?? DEFAULT_UPSTREAM.readTimeoutMs,
    writeTimeoutMs: given.writeTimeoutMs ?? DEFAULT_UPSTREAM.writeTimeoutMs,
    retries: given.retries ?? DEFAULT_UPSTREAM.retries,
  };
}

/**
 * The upstream settings a service definition stands for: its own, or Kong's defaults when it has
 * none (a definition that never set them, or was stored before they existed).
 */
export function upstreamSettings(definition: { upstream?: UpstreamSettings }): UpstreamSettings {
  return resolveUpstream(definition.upstream ?? {});
}
