import type Redis from 'ioredis';
import { fromRedisFailure, rejectAsRedisFailure } from '../errors';
import type { RegistryKeys } from '../instances/keys';
import { LuaScript } from '../instances/scripts';
import {
  HISTORY_MINUTES,
  minuteOf,
  pointsOf,
  type HistorySample,
  type ServiceHistory,
} from './timeline';

/** Writes (carries the format gate of lib/schema.lua, like every writing script). */
const RECORD = new LuaScript('history-record', true);

/**
 * The per-minute history in Redis, shared by every replica: `{p}history:{svc}` hashes and the
 * `{p}history-services` index (instances/keys.ts). Memory is bounded per service: at most
 * {@link HISTORY_MINUTES} fields of about 40 bytes (a small listpack hash, some 3 KB with its key
 * and index entry), kept for services that had an instance within the hour.
 */
export class HistoryStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RegistryKeys,
    private readonly keepMinutes: number = HISTORY_MINUTES,
  ) {}

  /** The state revision now: a sampler reads it to skip a snapshot that cannot have changed. */
  async revision(): Promise<number> {
    const raw = await this.redis.get(this.keys.revision).catch(rejectAsRedisFailure);
    return Number(raw ?? '0');
  }

  /** Merges one sample into the minute it was read in; returns the buckets it changed. */
  async record(sample: HistorySample): Promise<number> {
    const args: (string | number)[] = [
      this.keys.historyPrefix,
      minuteOf(sample.atMs),
      sample.revision,
      this.keepMinutes,
    ];
    for (const { service, total, healthy } of sample.services) args.push(service, total, healthy);
    const reply = await RECORD.run(this.redis, [this.keys.schema, this.keys.historyServices], args);
    return Number(reply);
  }

  /**
   * The points of the last `windowMinutes` up to `nowMs`: of the named services (those without a
   * history get no points), or of every service with one, sorted by name.
   */
  async read(nowMs: number, windowMinutes: number, only?: string[]): Promise<ServiceHistory[]> {
    const names = only ?? (await this.tracked());
    if (names.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const name of names) pipeline.hgetall(this.keys.history(name));
    const replies = (await pipeline.exec().catch(rejectAsRedisFailure)) ?? [];
    return names.map((service, i) => {
      const [err, fields] = replies[i] ?? [null, {}];
      if (err) throw fromRedisFailure(err);
      return { service, points: pointsOf(fields as Record<string, string>, nowMs, windowMinutes) };
    });
  }

  private async tracked(): Promise<string[]> {
    const names = await this.redis
      .zrange(this.keys.historyServices, 0, -1)
      .catch(rejectAsRedisFailure);
    return names.sort();
  }
}
