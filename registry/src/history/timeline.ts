/**
 * The compact history of instance counts: one bucket per service and minute, for the last hour.
 * Pure: minute arithmetic, the stored bucket format, the sample a snapshot makes, the points a
 * reader gets and the `?window=` it asks for. Redis I/O is in ./store.ts, the timer in
 * ./sampler.ts, and the merge of samples in lua/history-record.lua.
 */
import type { ServiceView } from '@kong-registry/sdk';
import { RegistryError } from '../errors';
import { isInstanceHealthy } from '../instances/health';

export const MINUTE_MS = 60_000;
/** Minutes kept per service: the last hour. */
export const HISTORY_MINUTES = 60;

/** Whole minutes since the epoch: a bucket's field name. */
export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS);
}

/** One service's counts as a sample carries them. */
export interface ServiceCount {
  service: string;
  total: number;
  healthy: number;
}

/** What one replica read at one moment: every service with an instance, and the revision. */
export interface HistorySample {
  atMs: number;
  revision: number;
  services: ServiceCount[];
}

/** Counts per service of a snapshot, healthy by the one rule (isInstanceHealthy). */
export function countServices(services: readonly ServiceView[]): ServiceCount[] {
  return services.map((view) => ({
    service: view.name,
    total: view.instances.length,
    healthy: view.instances.filter(isInstanceHealthy).length,
  }));
}

/** One minute of a service's history, as the API returns it. */
export interface HistoryPoint {
  /** Start of the minute (ISO 8601, UTC). */
  at: string;
  /** Live instances at the newest revision sampled in that minute. */
  total: number;
  /** Of those, healthy. */
  healthy: number;
  /** Fewest healthy instances any sample of that minute saw (a dip between samples shows). */
  minHealthy: number;
  /** Most live instances any sample of that minute saw. */
  maxTotal: number;
}

/** A service's points, oldest first; minutes no replica sampled are missing. */
export interface ServiceHistory {
  service: string;
  points: HistoryPoint[];
}

/** `GET /v1/history`. */
export interface HistoryReply {
  generatedAt: string;
  windowSeconds: number;
  stepSeconds: number;
  services: ServiceHistory[];
}

/** A stored bucket "rev:total:healthy:minHealthy:maxTotal" (history-record.lua writes it). */
export function decodeBucket(minute: number, value: string): HistoryPoint | undefined {
  const match = /^(\d+):(\d+):(\d+):(\d+):(\d+)$/.exec(value);
  if (!match) return undefined;
  const [, , total, healthy, minHealthy, maxTotal] = match.map(Number);
  return {
    at: new Date(minute * MINUTE_MS).toISOString(),
    total: total!,
    healthy: healthy!,
    minHealthy: minHealthy!,
    maxTotal: maxTotal!,
  };
}

/**
 * The points of one stored hash that fall in the `windowMinutes` ending with the minute of
 * `nowMs`, oldest first; unreadable fields are skipped.
 */
export function pointsOf(
  fields: Record<string, string>,
  nowMs: number,
  windowMinutes: number,
): HistoryPoint[] {
  const last = minuteOf(nowMs);
  const first = last - windowMinutes + 1;
  return Object.entries(fields)
    .map(([field, value]) => [Number(field), value] as const)
    .filter(([minute]) => Number.isInteger(minute) && minute >= first && minute <= last)
    .sort(([a], [b]) => a - b)
    .flatMap(([minute, value]) => decodeBucket(minute, value) ?? []);
}

const WINDOW = /^([1-9]\d{0,3})(m|h)$/;

/** `?window=`: `15m`, `1h`...; whole minutes, 1 to {@link HISTORY_MINUTES}; default the hour. */
export function parseWindow(raw: unknown): number {
  if (raw === undefined) return HISTORY_MINUTES;
  const match = typeof raw === 'string' ? WINDOW.exec(raw) : null;
  const minutes = match ? Number(match[1]) * (match[2] === 'h' ? 60 : 1) : NaN;
  if (Number.isInteger(minutes) && minutes <= HISTORY_MINUTES) return minutes;
  const shown = typeof raw === 'string' ? `'${raw}'` : 'a repeated parameter';
  const message = match
    ? `invalid window ${shown}: the registry keeps ${HISTORY_MINUTES} minutes (at most 60m or 1h)`
    : `invalid window ${shown}: use minutes or hours, e.g. 15m or 1h`;
  throw new RegistryError('REG_ERR_VALIDATION', message, {
    details: [{ path: 'window', message }],
  });
}
