/**
 * Helpers for the proxy and health contract suites: a JSON Admin API call that fails loudly, small
 * real upstreams to proxy to, and proxy requests through node:http. The Kong under test comes from
 * helpers/target.ts (real Kong when KONG_ADMIN_URL and KONG_PROXY_URL are set, else kong-sim).
 */
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KongTarget } from './helpers/target';

export { startKongTarget, uniqueName, type KongTarget } from './helpers/target';

/** Calls the Admin API with a JSON body; fails the test on an unexpected status. */
export async function adminJson<T = Record<string, unknown>>(
  kong: KongTarget,
  method: string,
  path: string,
  body?: unknown,
  expected: number[] = [200, 201, 204],
): Promise<T> {
  const response = await fetch(`${kong.admin}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!expected.includes(response.status)) {
    throw new Error(`${method} ${path} -> ${response.status}: ${text}`);
  }
  return (text ? JSON.parse(text) : {}) as T;
}

/** What the echo upstream saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A small real upstream on 127.0.0.1 that echoes requests as JSON and counts them. */
export interface EchoUpstream {
  port: number;
  address: string;
  name: string;
  seen: SeenRequest[];
  /** Status the health path (`/health`) answers with. */
  healthStatus: number;
  /** Requests other than health probes. */
  traffic(): SeenRequest[];
  /** Closes the listener and every open connection (like a SIGKILL-ed process). */
  kill(): Promise<void>;
}

/** Starts an echo upstream; `handler` may answer instead (return true when it did). */
export async function startEchoUpstream(
  name: string,
  handler?: (req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<EchoUpstream> {
  const upstream = { seen: [] as SeenRequest[], healthStatus: 200 } as EchoUpstream;
  const server: Server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      upstream.seen.push(seen);
      if (req.url === '/hang') return; // never answers: probe timeouts
      if (req.url === '/health') {
        res.writeHead(upstream.healthStatus).end();
        return;
      }
      if (handler?.(req, res)) return;
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
      res.end(JSON.stringify({ upstream: name, ...seen }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(upstream, {
    port,
    address: `127.0.0.1:${port}`,
    name,
    traffic: () => upstream.seen.filter((s) => s.url !== '/health'),
    kill: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

/** A proxied request's outcome. */
export interface ProxyResult {
  status: number;
  headers: { get(name: string): string | null };
  text: string;
  json(): Record<string, unknown>;
}

/** Sends a request through the proxy with node:http (fetch cannot set Host). */
export function proxyCall(
  kong: KongTarget,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<ProxyResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${kong.proxy}${path}`,
      { method: init.method ?? 'GET', headers: init.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          const get = (name: string): string | null => {
            const value = res.headers[name.toLowerCase()];
            return value === undefined ? null : [value].flat().join(', ');
          };
          resolve({
            status: res.statusCode ?? 0,
            headers: { get },
            text,
            json: () => JSON.parse(text) as Record<string, unknown>,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
