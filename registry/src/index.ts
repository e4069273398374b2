/**
 * @kong-registry/registry: the registry service. `kong-registry registry` and
 * `kong-registry token` (cli/) call the two commands; tests and the demo use `startRegistry`.
 */
export { runRegistryCommand } from './command';
export { runTokenCommand } from './token-command';
export { startRegistry, canMint, type StartRegistryOptions, type RunningRegistry } from './main';
export { createApp, type AppControl, type RegistryApp } from './http/app';
export type { AppDeps } from './http/deps';
export { InstanceService } from './instances/instance-service';
export { hotLane, type HotLaneDeps } from './http/hot-lane';
export { VerifiedTokenCache } from './auth/token-cache';
export { loadConfig, type RegistryConfig } from './config';
export {
  mintToken,
  verifyToken,
  resolveJwtKeys,
  type VerifiedToken,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  type JwtKeys,
} from './auth/jwt';
export { RedisInstanceRepository, type RegisterResult, type Renewal } from './instances/repository';
export { RegistryKeys } from './instances/keys';
export { SCRIPTS, LuaScript } from './instances/scripts';
export {
  SCHEMA_VERSION,
  UNSTAMPED_SCHEMA_VERSION,
  schemaStatus,
  type SchemaStatus,
} from './instances/schema';
export { SchemaWatch } from './instances/schema-watch';
export { Coalescer, DEFAULT_REDIS_BATCH_MAX, type BatchSender } from './instances/coalescer';
export { Reaper } from './instances/reaper';
export { HistorySampler, type SamplerIo } from './history/sampler';
export { HistoryStore } from './history/store';
export type { HistoryReply, HistoryPoint, ServiceHistory } from './history/timeline';
export { KongTraffic } from './traffic/kong-traffic';
export type { TrafficReply, ServiceTraffic } from './traffic/kong-metrics';
export { SseHub } from './events/sse';
export { RegistryMetrics } from './metrics';
export { createLogger } from './logger';
export { createRedisClient, waitForRedis } from './redis';
export { ERRORS, RegistryError, type RegistryErrorCode } from './errors';
export { systemClock, type Clock } from './instances/lease';
