import { toSdkError, type SdkError } from './errors';
import type { DrainMarkOutcome } from './lifecycle';
import type { SdkLogger } from './options';
import type { RegistryClient } from './registry-client';

/** A draining mark the registry answered (or that was given up or skipped), and when. */
export interface DrainMark {
  outcome: DrainMarkOutcome;
  /** Epoch ms when the answer came: a `drain()` hold counts from here. */
  at: number;
  error?: SdkError;
}

/** What {@link sendDrainMark} needs besides the client. */
export interface DrainMarkRequest {
  /** False skips the request (`skipped`): nothing may be registered, or the token is refused. */
  send: boolean;
  retries: number;
  /** Stops retrying (`close()`); a request already sent is let finish. */
  signal: AbortSignal;
  logger: SdkLogger;
  fields: Record<string, unknown>;
}

/**
 * `DELETE ...?drain=true` with the one-shot retry policy (`retry.retries`); never rejects: a
 * failure is logged at warn and returned, so `pause()` can hand it to its caller.
 */
export async function sendDrainMark(
  client: RegistryClient,
  { send, retries, signal, logger, fields }: DrainMarkRequest,
): Promise<DrainMark> {
  if (!send) return { outcome: 'skipped', at: Date.now() };
  try {
    const outcome = await client.markDraining({ retries, ref: true, signal, abortInFlight: false });
    logger.info(
      outcome === 'marked'
        ? 'sdk: marked draining'
        : 'sdk: the registry no longer has the instance',
      fields,
    );
    return { outcome, at: Date.now() };
  } catch (err) {
    const error = toSdkError(err);
    logger.warn('sdk: could not mark the instance draining', {
      ...fields,
      code: error.code,
      statusCode: error.statusCode,
      error: error.message,
    });
    return { outcome: 'failed', at: Date.now(), error };
  }
}
