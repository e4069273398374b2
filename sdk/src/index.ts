/**
 * `@kong-registry/sdk`: register a Node service with kong-registry, keep its lease alive, and
 * take it out of rotation cleanly on shutdown. No runtime dependencies beyond Node 20.
 */
import { RegistrationHandle } from './handle';
import { resolveOptions, type RegisterOptions } from './options';
import { installSignalHandlers } from './signals';

/**
 * Registers this instance and starts heartbeats. By default resolves after the first successful
 * registration and rejects (SDK_ERR_UNAUTHORIZED, SDK_ERR_FORBIDDEN, SDK_ERR_REJECTED,
 * SDK_ERR_ABORTED) when that cannot happen; with `waitForRegistration: false` it resolves at
 * once and keeps trying in the background. Throws SDK_ERR_INVALID_OPTIONS for bad options.
 */
export async function register(options: RegisterOptions): Promise<RegistrationHandle> {
  const resolved = resolveOptions(options);
  const handle = new RegistrationHandle(resolved);
  if (resolved.signals) {
    handle.addCleanup(installSignalHandlers(handle, resolved.signals, resolved.logger));
  }
  handle.start();
  if (resolved.waitForRegistration) {
    try {
      await handle.whenRegistered();
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
  return handle;
}

export { RegistrationHandle } from './handle';
export type {
  RegistrationEvents,
  RegistrationState,
  LeaseLostEvent,
  DrainOptions,
  DrainResult,
  DrainMarkOutcome,
  PauseOptions,
  PauseResult,
  ReregistrationCause,
} from './handle';
export type { LeaseLossReason } from './heartbeat-policy';
export { defaultInstanceId, detectHostAddress } from './options';
export type { RegisterOptions, SdkLogger, SignalHandlingOptions } from './options';
/** Retry timing; the controller's clients use the same rules. */
export { DEFAULT_RETRY_POLICY, computeBackoffMs, parseRetryAfterMs } from './backoff';
export type { RetryPolicy } from './backoff';
export { SdkError, isSdkError, SDK_ERROR_CODES } from './errors';
export type { SdkErrorCode, SdkErrorDetails } from './errors';
/** The error shape every package of the project shares (code, message, statusCode). */
export {
  CodedError,
  ConfigError,
  describeError,
  errorCode,
  errorStatus,
  isConfigError,
} from './coded-error';
export type { CodedErrorShape } from './coded-error';
/** Settings loading as the registry, the controller and the agent do it. */
export {
  deepFreeze,
  parseFields,
  readSecretSetting,
  readSettingFile,
  withoutEmptyValues,
} from './settings';
export type { FieldSchema, FieldValue, ParsedFields } from './settings';
export { healthHandler, evaluateHealth, selfHealthReport } from './health';
export type {
  HealthHandlerOptions,
  HealthCheck,
  HealthBody,
  HealthCheckResult,
  HealthSource,
} from './health';
export { AddressResolver, canonicalHost, isIpAddress } from './target-address';
export type { AddressResolverOptions, Resolver } from './target-address';
export { consumerFromHeaders } from './consumer';
export type { KongConsumer } from './consumer';
/** Kong's request id, for one request's trail through Kong's log and the service's. */
export {
  KONG_REQUEST_ID_HEADER,
  KONG_REQUEST_ID_LOG_FIELD,
  requestIdFromHeaders,
} from './request-id';
export type { HeaderBag } from './request-headers';
export { installSignalHandlers } from './signals';
/** The contract's rules (names, prefixes, lease arithmetic, error codes), shared with the registry. */
export * from './rules';
/** Kong's timeouts and retries per service: bounds and defaults (Kong's own). */
export * from './upstream-settings';
export type * from './contract';
