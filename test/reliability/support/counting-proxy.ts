/**
 * A pass-through HTTP proxy in front of an Admin API that counts the writes going through it, so a
 * test can tell which of two controllers wrote to the same Kong.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running counting proxy. */
export interface CountingProxy {
  url: string;
  /** POST/PUT/PATCH/DELETE requests forwarded so far. */
  writes: number;
  /**
   * Each write's span (epoch ms), from when the controller sent it (its arrival here, before any
   * delay) to Kong's reply: two controllers wrote at once when spans of both overlap.
   */
  spans: { start: number; end: number }[];
  /** Writes received and not yet answered. */
  inFlight: number;
  /** Holds every write this long before passing it on (a slow Admin API); 0 by default. */
  delayWritesMs: number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Forwards every request to `target` (an http:// base URL) and counts writes. */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const handle: CountingProxy = {
    url: '',
    writes: 0,
    spans: [],
    inFlight: 0,
    delayWritesMs: 0,
    close: () => Promise.resolve(),
  };
  const server = createServer((req, res) => {
    void (async () => {
      const write = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method ?? '');
      const start = Date.now();
      if (write) handle.writes += 1;
      if (write) handle.inFlight += 1;
      const body = await readBody(req);
      if (write && handle.delayWritesMs > 0)
        await new Promise((resolve) => setTimeout(resolve, handle.delayWritesMs));
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
          headers[name] = value;
      }
      try {
        const upstream = await fetch(`${target}${req.url ?? '/'}`, {
          method: req.method,
          headers,
          ...(body.length > 0 ? { body } : {}),
        });
        const text = Buffer.from(await upstream.arrayBuffer());
        if (write) handle.spans.push({ start, end: Date.now() });
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'application/json',
        });
        res.end(text);
      } catch {
        res.destroy();
      } finally {
        if (write) handle.inFlight -= 1;
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  handle.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  handle.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return handle;
}

/** Pairs of writes, one from each list of spans, that overlap in time. */
export function overlappingWrites(
  a: readonly { start: number; end: number }[],
  b: readonly { start: number; end: number }[],
): number {
  let overlaps = 0;
  for (const x of a) for (const y of b) if (x.start < y.end && y.start < x.end) overlaps += 1;
  return overlaps;
}

/** The longest gap between two writes' starts that spans part of [from, to] (ms). */
export function longestWritePause(
  spans: readonly { start: number }[],
  from: number,
  to: number,
): number {
  const starts = spans.map((s) => s.start).sort((x, y) => x - y);
  let pause = 0;
  for (let i = 1; i < starts.length; i += 1) {
    const [prev, next] = [starts[i - 1]!, starts[i]!];
    if (next >= from && prev <= to) pause = Math.max(pause, next - prev);
  }
  return pause;
}
