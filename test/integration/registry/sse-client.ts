import { SseParser, type SseMessage } from '../../../kong-plugin/src/registry/sse';

export type { SseMessage };

/**
 * A tiny SSE reader over fetch, for tests: collects messages as they arrive and lets the test
 * wait for a count. Parsing is the controller's own SseParser (kong-plugin); `close()` aborts the
 * request.
 */
export class SseReader {
  /**
   * Every dispatched message, `id` as the message itself sent it: SseParser reports the stream's
   * last event id (WHATWG lastEventId), which a message without an `id:` line (the registry's
   * `reset`) inherits from the event before it; such a message is kept here with no id.
   */
  readonly messages: SseMessage[] = [];
  /** Comment lines seen (`: keep-alive`). */
  get comments(): number {
    return this.parser.comments;
  }
  private readonly parser = new SseParser();
  ended = false;
  status = 0;
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;

  constructor(url: string, headers: Record<string, string>) {
    this.done = this.read(url, headers).catch(() => undefined);
  }

  private async read(url: string, headers: Record<string, string>): Promise<void> {
    const res = await fetch(url, { headers, signal: this.abort.signal });
    this.status = res.status;
    if (!res.body) return;
    const decoder = new TextDecoder();
    // The parser's lastEventId after the previous message: a message carrying it unchanged sent no
    // id of its own (the registry's ids are Redis Stream ids, never repeated).
    let lastEventId: string | undefined;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        for (const message of this.parser.push(decoder.decode(chunk, { stream: true }))) {
          const own = message.id !== lastEventId;
          lastEventId = message.id;
          this.messages.push(own ? message : { ...message, id: undefined });
        }
      }
    } finally {
      this.ended = true;
    }
  }

  /** Messages that carry an event id (registry events, not control messages). */
  get events(): SseMessage[] {
    return this.messages.filter((m) => m.id !== undefined);
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
