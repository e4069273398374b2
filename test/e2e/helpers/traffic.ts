import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A small HTTP server standing for a service's instance behind Kong. */
export interface FlakyInstance {
  host: string;
  port: number;
  /** `http://host:port`, for a Kong service's `url`. */
  url: string;
  /** Requests it answered, health probes (`/health`) aside. */
  answered: { ok: number; failed: number };
  close(): Promise<void>;
}

/**
 * An instance on a loopback port that answers every `failEvery`-th request with 500 and the others
 * with 200 (`failEvery` 0: never 500); `/health`, the path Kong's active checks probe by default,
 * is always 200 and not counted. Sent one at a time, `failEvery` ≥ 2 never gives two 500s in a
 * row, so Kong's passive checks (2 consecutive failures by default) keep the target in.
 */
export async function startFlakyInstance(failEvery: number): Promise<FlakyInstance> {
  const answered = { ok: 0, failed: 0 };
  const server = createServer((req, res) => {
    if (req.url === '/health') {
      res.end('ok');
      return;
    }
    const nth = answered.ok + answered.failed + 1;
    const fail = failEvery > 0 && nth % failEvery === 0;
    if (fail) answered.failed++;
    else answered.ok++;
    res.writeHead(fail ? 500 : 200, { 'Content-Type': 'text/plain' });
    res.end(fail ? 'failed' : 'ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    url: `http://127.0.0.1:${port}`,
    answered,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Sends `count` GETs to `url` (a path behind Kong's proxy) one after another; resolves with how
 * many got each status.
 */
export async function sendRequests(url: string, count: number): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  for (let i = 0; i < count; i++) {
    const res = await fetch(url);
    await res.arrayBuffer();
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  }
  return statuses;
}

/** A write on Kong's Admin API, as a user would send it by hand; throws unless Kong took it. */
export async function kongAdminWrite(
  adminUrl: string,
  method: 'POST' | 'PUT' | 'PATCH',
  path: string,
  body: unknown,
): Promise<void> {
  const res = await fetch(`${adminUrl}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} on Kong: ${res.status} ${text}`);
}
