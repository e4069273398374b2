/** One parsed Server-Sent Event. */
export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/**
 * A tiny SSE reader over fetch, for tests: collects messages as they arrive and lets the test
 * wait for a count. `close()` aborts the request.
 */
export class SseReader {
  readonly messages: SseMessage[] = [];
  /** Comment lines seen (`: keep-alive`). */
  comments = 0;
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
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message: SseMessage = { data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) {
              this.comments += 1;
              continue;
            }
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') message.id = value;
            else if (field === 'event') message.event = value;
            else if (field === 'data') data.push(value);
          }
          message.data = data.join('\n');
          if (data.length > 0) this.messages.push(message);
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
