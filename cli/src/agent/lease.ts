import {
  register,
  SdkError,
  type RegisterOptions,
  type RegistrationHandle,
} from '@kong-registry/sdk';
import type { AgentConfig } from './config';
import { toSdkLogger, type Logger } from './logger';

/** One SDK registration the agent can give up without deregistering. */
export interface Lease {
  readonly handle: RegistrationHandle;
  /**
   * WORKAROUND (no SDK hook yet, see registry-fallback.ts): stops heartbeats WITHOUT a DELETE.
   * The token function starts refusing, so `close()` finds no token for its DELETE and nothing
   * more leaves for the registry; the SDK's complaint about that is logged at debug only.
   */
  abandon(): Promise<void>;
  /** True once abandoned: the handle's errors are expected and not the agent's concern. */
  readonly abandoned: boolean;
}

/** The SDK options for this instance, from the agent's settings. */
export function registerOptions(
  config: AgentConfig,
  host: string,
  instanceId: string,
): Omit<RegisterOptions, 'token' | 'logger'> {
  return {
    registryUrl: config.registryUrl,
    service: config.service,
    port: config.port,
    host,
    instanceId,
    prefix: config.prefix,
    stripPrefix: config.stripPrefix,
    protocol: config.protocol,
    version: config.version,
    weight: config.weight,
    metadata: config.metadata ? { ...config.metadata } : undefined,
    ttlSeconds: config.ttlSeconds,
    auth:
      config.auth === undefined
        ? undefined
        : {
            type: config.auth,
            ...(config.allowGroups ? { allowGroups: [...config.allowGroups] } : {}),
          },
    healthCheck: config.kongHealthPath ? { path: config.kongHealthPath } : undefined,
    // The agent holds no requests: drain() only waits for the hold the agent itself takes.
    drainTimeoutMs: Math.min(config.drainMs + 5_000, 3_600_000),
    // Resolve at once; registration keeps retrying in the background while health holds.
    waitForRegistration: false,
  };
}

/** Opens a lease through the SDK (register + heartbeats + re-register on loss). */
export async function openLease(
  options: Omit<RegisterOptions, 'token' | 'logger'>,
  token: () => Promise<string>,
  logger: Logger,
): Promise<Lease> {
  let abandoned = false;
  const gatedToken = async (): Promise<string> => {
    if (abandoned)
      throw new SdkError('SDK_ERR_ABORTED', 'agent: this lease is paused; nothing may be sent');
    return token();
  };
  const handle = await register({
    ...options,
    token: gatedToken,
    logger: toSdkLogger(logger, () => abandoned),
  });
  return {
    handle,
    get abandoned() {
      return abandoned;
    },
    async abandon() {
      abandoned = true;
      await handle.close();
    },
  };
}
