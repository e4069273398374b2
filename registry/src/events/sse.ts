import type Redis from 'ioredis';
import type { Request, Response } from 'express';
import type { RegistryEvent } from '@kong-registry/sdk';
import type { Logger } from '../logger';

/** A Redis Stream id ("ms-seq"); used to validate Last-Event-ID. */
export const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

/** Decodes one XREAD/XRANGE entry into the wire event. */
export function toEvent(id: string, fields: string[]): RegistryEvent | null {
  const index = fields.indexOf('data');
  const data = index >= 0 ? fields[index + 1] : undefined;
  if (data === undefined) return null;
  return { id, ...(JSON.parse(data) as Omit<RegistryEvent, 'id'>) };
}

/** Strictly compares two stream ids. */
export function compareStreamIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

interface Stream {
  res: Response;
  connection: Redis;
  closed: boolean;
}

/**
 * Serves `GET /v1/events`: each client gets its own Redis connection blocked in XREAD on the
 * events stream, starting after `Last-Event-ID` (or `?since=`), or at the end of the stream.
 * When the resume point has been trimmed away the client first gets a `reset` event, meaning
 * "reload /v1/state". Tracks open streams so shutdown can end them.
 */
export class SseHub {
  private readonly streams = new Set<Stream>();
  private closing = false;

  constructor(
    private readonly redis: Redis,
    private readonly eventsKey: string,
    private readonly logger: Logger,
    private readonly onCountChange: (count: number) => void = () => undefined,
    private readonly blockMs = 15_000,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  /** Starts streaming to `res` from `since` (a stream id) or from now (`null`). */
  async open(req: Request, res: Response, since: string | null): Promise<void> {
    // The connection must be ready before the response starts, so a Redis outage is a clean 503.
    // Own connection: XREAD BLOCK holds it. Its command timeout must outlast the block time, or
    // every idle stream would be cut after REDIS_COMMAND_TIMEOUT_MS.
    const connection = this.redis.duplicate({
      enableOfflineQueue: false,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      commandTimeout: this.blockMs + 5000,
    });
    try {
      await connection.connect();
    } catch (err) {
      connection.disconnect();
      throw err;
    }
    const stream: Stream = { res, connection, closed: false };
    let cursor: string;
    let reset = false;
    try {
      if (since === null) {
        const last = (await connection.xrevrange(this.eventsKey, '+', '-', 'COUNT', 1)) as [
          string,
          string[],
        ][];
        cursor = last[0]?.[0] ?? '0-0';
      } else {
        cursor = since;
        reset = await this.wasTrimmedAfter(connection, since);
      }
    } catch (err) {
      connection.disconnect();
      throw err;
    }
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write('retry: 1000\n\n');
    if (reset) {
      res.write(
        `event: reset\ndata: ${JSON.stringify({ reason: 'trimmed', message: 'events were trimmed: reload /v1/state' })}\n\n`,
      );
    }
    this.streams.add(stream);
    this.onCountChange(this.streams.size);
    const close = (): void => this.close(stream);
    req.on('close', close);
    res.on('error', close);
    if (this.closing) {
      close();
      return;
    }
    void this.pump(stream, cursor);
  }

  /**
   * Whether the client may have missed entries after `since` because the stream was trimmed:
   * `since` is older than the oldest entry left, and Redis (7+: `entries-added` > `length`) says
   * something was removed. Without that counter (Redis 6), an old `since` alone counts.
   */
  private async wasTrimmedAfter(connection: Redis, since: string): Promise<boolean> {
    if (since === '0-0') return false;
    let info: unknown[];
    try {
      info = (await connection.call('XINFO', 'STREAM', this.eventsKey)) as unknown[];
    } catch (err) {
      if (err instanceof Error && /no such key/i.test(err.message)) return false;
      throw err;
    }
    const field = (name: string): unknown => {
      const index = info.indexOf(name);
      return index >= 0 ? info[index + 1] : undefined;
    };
    const first = field('first-entry') as [string, string[]] | null | undefined;
    if (!first || compareStreamIds(since, first[0]) >= 0) return false;
    const added = field('entries-added');
    const length = field('length');
    if (typeof added === 'number' && typeof length === 'number') return added > length;
    return true;
  }

  private async pump(stream: Stream, from: string): Promise<void> {
    let cursor = from;
    while (!stream.closed) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = (await stream.connection.xread(
          'COUNT',
          500,
          'BLOCK',
          this.blockMs,
          'STREAMS',
          this.eventsKey,
          cursor,
        )) as [string, [string, string[]][]][] | null;
      } catch (err) {
        if (!stream.closed)
          this.logger.warn(
            { err: (err as Error).message },
            'event stream read failed; closing the SSE stream',
          );
        this.close(stream);
        return;
      }
      if (stream.closed) return;
      if (!reply) {
        stream.res.write(': keep-alive\n\n');
        continue;
      }
      for (const [id, fields] of reply[0]?.[1] ?? []) {
        cursor = id;
        const event = toEvent(id, fields);
        if (event)
          stream.res.write(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      }
    }
  }

  private close(stream: Stream): void {
    if (stream.closed) return;
    stream.closed = true;
    this.streams.delete(stream);
    this.onCountChange(this.streams.size);
    stream.connection.disconnect();
    if (!stream.res.writableEnded) stream.res.end();
  }

  /** Ends every stream (shutdown); new ones are refused from now on. */
  closeAll(): void {
    this.closing = true;
    for (const stream of [...this.streams]) this.close(stream);
  }
}
