import { register, type RegisterOptions, type RegistrationHandle } from '@kong-registry/sdk';
import type { AgentConfig } from './config';
import { toSdkLogger, type Logger } from './logger';

/** The SDK options for this instance, from the agent's settings. */
export function registerOptions(
  config: AgentConfig,
  host: string,
  instanceId: string,
  selfHealth?: RegisterOptions['selfHealth'],
): Omit<RegisterOptions, 'token' | 'logger'> {
  const common = {
    registryUrl: config.registryUrl,
    service: config.service,
    port: config.port,
    host,
    instanceId,
    protocol: config.protocol,
    version: config.version,
    weight: config.weight,
    metadata: config.metadata ? { ...config.metadata } : undefined,
    labels: config.labels ? { ...config.labels } : undefined,
    ttlSeconds: config.ttlSeconds,
    // Resolve at once; registration keeps retrying in the background.
    waitForRegistration: false,
  };
  // A worker: no routing fields; its own health goes with each heartbeat.
  if (!config.route) return { ...common, route: false, ...(selfHealth && { selfHealth }) };
  return {
    registryUrl: config.registryUrl,
    service: config.service,
    port: config.port,
    host,
    instanceId,
    prefix: config.prefix,
    extraPrefixes: config.extraPrefixes ? [...config.extraPrefixes] : undefined,
    stripPrefix: config.stripPrefix,
    protocol: config.protocol,
    version: config.version,
    weight: config.weight,
    metadata: config.metadata ? { ...config.metadata } : undefined,
    labels: config.labels ? { ...config.labels } : undefined,
    ttlSeconds: config.ttlSeconds,
    auth:
      config.auth === undefined
        ? undefined
        : {
            type: config.auth,
            ...(config.allowGroups ? { allowGroups: [...config.allowGroups] } : {}),
          },
    healthCheck: config.kongHealthPath ? { path: config.kongHealthPath } : undefined,
    upstream: config.upstream ? { ...config.upstream } : undefined,
    // Resolve at once; registration keeps retrying in the background while health holds.
    waitForRegistration: false,
  };
}

/**
 * Opens the agent's one lease through the SDK (register + heartbeats + re-register on loss). The
 * agent keeps this handle for its whole life: `pause({ drain: true })` while health fails,
 * `resume()` when it is back, `drain({ holdMs })` or `close()` on SIGTERM.
 */
export function openLease(
  options: Omit<RegisterOptions, 'token' | 'logger'>,
  token: () => Promise<string>,
  logger: Logger,
): Promise<RegistrationHandle> {
  return register({ ...options, token, logger: toSdkLogger(logger) });
}
