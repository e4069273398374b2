/**
 * Follows the registry's event stream (`GET /v1/events`, SSE), resuming with `Last-Event-ID`
 * after a disconnect and reconnecting with backoff. The controller only uses events as "something
 * changed" signals (the snapshot stays the source of truth) and to learn why instances left.
 */
import type { RegistryEvent } from '@kong-registry/sdk';
import type * as Undici from 'undici';
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

/** Starts following events until stopped. */
export function followRegistryEvents(
  client: RegistryClient,
  handlers: EventHandlers,
  logger: Logger,
): EventFollower {
  let stopped = false;
  let connected = false;
  let lastEventId: string | undefined;
  let controller: AbortController | undefined;
  let wake: (() => void) | undefined;

  const once = async (): Promise<void> => {
    controller = new AbortController();
    // Required here, not at the top: one-shot commands (sync, diff) never follow events, and
    // undici is 100+ modules. require, not import(): ts-jest runs CommonJS without VM modules.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy load, see above
    const { request } = require('undici') as typeof Undici;
    const response = await request(`${client.url}/v1/events`, {
      method: 'GET',
      headers: {
        authorization: client.authHeader,
        accept: 'text/event-stream',
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      },
      signal: controller.signal,
      bodyTimeout: 0,
    });
    if (response.statusCode !== 200) {
      const text = await response.body.text().catch(() => '');
      throw new Error(`GET /v1/events -> ${response.statusCode}: ${text.slice(0, 200)}`);
    }
    connected = true;
    handlers.onResync();
    const parser = new SseParser();
    response.body.setEncoding('utf8');
    for await (const chunk of response.body) {
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
    let delay = 500;
    while (!stopped) {
      try {
        await once();
        delay = 500;
      } catch (err) {
        if (stopped) break;
        logger.warn(
          { err: err instanceof Error ? err.message : String(err), retryInMs: delay },
          'registry event stream failed',
        );
      }
      connected = false;
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      delay = Math.min(delay * 2, 15_000);
    }
  })();

  return {
    stop() {
      stopped = true;
      controller?.abort();
      wake?.();
    },
    get connected() {
      return connected;
    },
  };
}
