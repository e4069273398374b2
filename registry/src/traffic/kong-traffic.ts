import type { Clock } from '../instances/lease';
import {
  parseKongRequests,
  sumCounters,
  trafficBetween,
  type Reading,
  type ServiceCounters,
  type TrafficReply,
} from './kong-metrics';

/** Kong is read at most this often, however many pages ask. */
export const MIN_READ_SPACING_MS = 2000;
/** Rates are averaged over the reads of the last minute. */
export const RATE_WINDOW_MS = 60_000;
const READ_TIMEOUT_MS = 3000;
/** A /metrics body larger than this is refused (Kong's is a few KB per service and route). */
const MAX_METRICS_BYTES = 32 * 1024 * 1024;

export interface KongMetricsSource {
  urls: readonly string[];
  adminToken: string | null;
}

/**
 * Reads Kong's `/metrics` (the prometheus plugin) when someone asks, never on a timer, and keeps
 * this replica's reads of the last minute in memory to turn counters into rates. Replicas each
 * keep their own reads: the rates are the same quantity (Kong's counters over time) averaged over
 * slightly different windows. Optional: without URLs it answers `configured: false`.
 */
export class KongTraffic {
  private readings: Reading[] = [];
  private reading: Promise<void> | undefined;
  private problem: string | undefined;

  constructor(
    private readonly source: KongMetricsSource,
    private readonly clock: Clock,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  get configured(): boolean {
    return this.source.urls.length > 0;
  }

  /** The newest counters and the rates since the oldest read of the window. */
  async current(): Promise<TrafficReply> {
    if (!this.configured) return { configured: false, at: null, windowSeconds: null, services: [] };
    const newest = this.readings.at(-1);
    if (!newest || this.clock() - newest.atMs >= MIN_READ_SPACING_MS) {
      this.reading ??= this.read().finally(() => (this.reading = undefined));
      await this.reading;
    }
    const last = this.readings.at(-1);
    if (this.problem !== undefined || !last)
      return {
        configured: true,
        at: last ? new Date(last.atMs).toISOString() : null,
        windowSeconds: null,
        services: [],
        problem: this.problem ?? 'Kong has not been read yet',
      };
    const base = this.readings.length > 1 ? this.readings[0] : undefined;
    return {
      configured: true,
      at: new Date(last.atMs).toISOString(),
      windowSeconds: base ? (last.atMs - base.atMs) / 1000 : null,
      services: trafficBetween(base, last),
    };
  }

  /** One read of every endpoint; the readings older than the window are let go. */
  private async read(): Promise<void> {
    try {
      const all = await Promise.all(this.source.urls.map((url) => this.readOne(url)));
      const atMs = this.clock();
      this.readings.push({ atMs, counters: sumCounters(all) });
      // A base older than the window would average over a time nobody looked (a page opened
      // after an idle hour): without one, the next read gives a rate.
      this.readings = this.readings.filter((r) => atMs - r.atMs < RATE_WINDOW_MS);
      this.problem = undefined;
    } catch (err) {
      this.problem = err instanceof Error ? err.message : String(err);
    }
  }

  private async readOne(url: string): Promise<Map<string, ServiceCounters>> {
    const shown = new URL(url);
    shown.username = '';
    shown.password = '';
    const response = await this.fetchImpl(url, {
      headers: {
        Accept: 'text/plain',
        ...(this.source.adminToken ? { 'Kong-Admin-Token': this.source.adminToken } : {}),
      },
      signal: AbortSignal.timeout(READ_TIMEOUT_MS),
    }).catch((err: unknown) => {
      throw new Error(
        `Kong metrics at ${shown.href}: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(
        `Kong metrics at ${shown.href}: HTTP ${response.status} (is the prometheus plugin on?)`,
      );
    }
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > MAX_METRICS_BYTES) {
      await response.body?.cancel();
      throw new Error(`Kong metrics at ${shown.href}: larger than ${MAX_METRICS_BYTES} bytes`);
    }
    return parseKongRequests(await response.text());
  }
}
