/**
 * Follows the registry's event stream (`GET /v1/events`, SSE), resuming with `Last-Event-ID`
 * after a disconnect and reconnecting with backoff (the registry's Retry-After wins). The
 * controller only uses events as "something changed" signals: the snapshot, tombstones included,
 * stays the source of truth.
 */
import type { RegistryEvent } from '@kong-registry/sdk';
import { errorLogFields } from '../errors';
import { Retrier, retryDelayMs, type RetrySettings } from '../http/retry';
import type { Logger } from '../logger';
import type { RegistryClient } from './client';
import { SseParser } from './sse';

/** Callbacks of the follower. */
export interface EventHandlers {
  onEvent(event: RegistryEvent): void;
  /** The stream (re)connected or asked for a reload: the caller should resync. */
  onResync(): void;
}

/** A running subscription; `stop()` ends it. */
export interface EventFollower {
  stop(): void;
  readonly connected: boolean;
}

/** Reconnect waits: 500 ms doubling to 15 s, or the registry's Retry-After (up to 15 s). */
const RECONNECT: RetrySettings = { retries: Infinity, baseDelayMs: 500, maxDelayMs: 15_000 };

/** Starts following events until stopped. */
export function followRegistryEvents(
  client: RegistryClient,
  handlers: EventHandlers,
  logger: Logger,
): EventFollower {
  let stopped = false;
  let connected = false;
  let lastEventId: string | undefined;
  const aborter = new AbortController();
  const waits = new Retrier(RECONNECT);

  const once = async (): Promise<void> => {
    const body = await client.openEvents(lastEventId, aborter.signal);
    connected = true;
    handlers.onResync();
    const parser = new SseParser();
    body.setEncoding('utf8');
    for await (const chunk of body) {
      for (const message of parser.push(chunk as string)) {
        if (message.id) lastEventId = message.id;
        if (message.event === 'reset') {
          handlers.onResync();
          continue;
        }
        try {
          handlers.onEvent(JSON.parse(message.data) as RegistryEvent);
        } catch {
          logger.warn({ event: message.event }, 'unparsable registry event ignored');
        }
      }
    }
  };

  void (async () => {
    let failures = 0;
    while (!stopped) {
      let delay: number;
      try {
        await once();
        failures = 0;
        delay = reconnectDelay(0, undefined);
      } catch (err) {
        if (stopped) break;
        delay = reconnectDelay(failures, (err as { retryAfterMs?: number }).retryAfterMs);
        failures += 1;
        logger.warn({ ...errorLogFields(err), retryInMs: delay }, 'registry event stream failed');
      }
      connected = false;
      if (stopped) break;
      await waits.sleep(delay);
    }
  })();

  return {
    stop() {
      stopped = true;
      aborter.abort();
      waits.close();
    },
    get connected() {
      return connected;
    },
  };
}

/** The wait before reconnecting; a Retry-After beyond the ceiling waits the ceiling. */
function reconnectDelay(failures: number, retryAfterMs: number | undefined): number {
  return (
    retryDelayMs(failures, RECONNECT, retryAfterMs) ??
    retryDelayMs(failures, RECONNECT, RECONNECT.maxDelayMs) ??
    RECONNECT.maxDelayMs
  );
}
