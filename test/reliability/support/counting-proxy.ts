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
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Forwards every request to `target` (an http:// base URL) and counts writes. */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const handle: CountingProxy = { url: '', writes: 0, close: () => Promise.resolve() };
  const server = createServer((req, res) => {
    void (async () => {
      if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method ?? '')) handle.writes += 1;
      const body = await readBody(req);
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
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'application/json',
        });
        res.end(text);
      } catch {
        res.destroy();
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
