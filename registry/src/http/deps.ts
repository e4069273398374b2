import type { JwtKeys } from '../auth/jwt';
import type { RegistryConfig } from '../config';
import type { SseHub } from '../events/sse';
import type { Clock } from '../instances/lease';
import type { RedisInstanceRepository } from '../instances/repository';
import type { SchemaWatch } from '../instances/schema-watch';
import type { Logger } from '../logger';
import type { RegistryMetrics } from '../metrics';

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
}
