import type { JwtKeys } from '../auth/jwt';
import type { RegistryConfig } from '../config';
import type { SseHub } from '../events/sse';
import type { HistoryStore } from '../history/store';
import type { Clock } from '../instances/lease';
import type { RedisInstanceRepository } from '../instances/repository';
import type { SchemaWatch } from '../instances/schema-watch';
import type { Logger } from '../logger';
import type { RegistryMetrics } from '../metrics';
import type { KongTraffic } from '../traffic/kong-traffic';

/** What {@link createApp} needs; everything with I/O is passed in, so tests choose it. */
export interface AppDeps {
  config: RegistryConfig;
  repository: RedisInstanceRepository;
  jwtKeys: JwtKeys;
  logger: Logger;
  clock: Clock;
  metrics: RegistryMetrics;
  sse: SseHub;
  /** Reads the stored-data format for /readyz; one is made from the repository when absent. */
  schema?: SchemaWatch;
  /** The per-minute history; one is made from the repository when absent. */
  history?: HistoryStore;
  /** Kong's request counters; one is made from the config when absent. */
  traffic?: KongTraffic;
}
