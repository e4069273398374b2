import type Redis from 'ioredis';
import type { Consumer, RegistryEventType } from '@kong-registry/sdk';
import { rejectAsRedisFailure } from '../errors';
import type { RegistryKeys } from '../instances/keys';
import { SCRIPTS } from '../instances/scripts';

/** Outcome of a consumer compare-and-set write. */
export type ConsumerWriteResult =
  { ok: true; revision: number } | { ok: false; reason: 'exists' | 'missing' | 'changed' };

/**
 * Redis storage of consumers: one hash of their JSON. A write is one consumer-write.lua call, so
 * the consumer, the revision and the event that announces it move together.
 */
export class ConsumerStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RegistryKeys,
    /** Approximate cap of the event stream (REGISTRY_EVENTS_MAXLEN). */
    private readonly eventsMaxLen: number,
  ) {}

  /** The raw JSON of one consumer (secrets included), for compare-and-set updates. */
  async getConsumerJson(username: string): Promise<string | null> {
    return this.redis.hget(this.keys.consumers, username).catch(rejectAsRedisFailure);
  }

  /** All consumers, secrets included: callers strip them unless the reader may see them. */
  async listConsumers(): Promise<Consumer[]> {
    const rows = await this.redis.hvals(this.keys.consumers).catch(rejectAsRedisFailure);
    return rows
      .map((row) => JSON.parse(row) as Consumer)
      .sort((a, b) => (a.username < b.username ? -1 : 1));
  }

  /**
   * Compare-and-set write of one consumer: `expectedJson` null means "must not exist",
   * `next` null deletes.
   */
  async writeConsumer(
    username: string,
    expectedJson: string | null,
    next: Consumer | null,
    eventType: RegistryEventType,
    nowMs: number,
  ): Promise<ConsumerWriteResult> {
    const k = this.keys;
    const reply = (await SCRIPTS.consumerWrite.run(
      this.redis,
      [k.consumers, k.revision, k.events, k.schema],
      [
        username,
        expectedJson ?? '',
        next ? JSON.stringify(next) : '',
        eventType,
        new Date(nowMs).toISOString(),
        this.eventsMaxLen,
      ],
    )) as [string, number?];
    if (reply[0] === 'ok') return { ok: true, revision: Number(reply[1]) };
    return { ok: false, reason: reply[0] as 'exists' | 'missing' | 'changed' };
  }
}
