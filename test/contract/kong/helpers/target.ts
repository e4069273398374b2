/**
 * The Kong a contract test talks to: kong-sim started in-process by default, or a real Kong when
 * KONG_ADMIN_URL and KONG_PROXY_URL are set (KONG_DBLESS_ADMIN_URL for the DB-less suite), so
 * the same suite holds the double to Kong's behaviour.
 *
 * The proxy tests write through the Admin API and call the proxy at once, so the DB-mode Kong
 * they run against takes writes up at the next request: `worker_consistency = strict` (a real
 * Kong for this suite needs KONG_WORKER_CONSISTENCY=strict). How writes reach the proxy under
 * Kong's default (`eventual`) is the subject of propagation.test.ts, which starts its own.
 * The proxy listener has Kong's `http2` flag, for the gRPC suite (a real Kong needs
 * KONG_PROXY_LISTEN="0.0.0.0:8000 http2").
 */
import { randomBytes } from 'node:crypto';
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';

/** A Kong Admin API + proxy under test. */
export interface KongTarget {
  admin: string;
  proxy: string;
  /** The in-process sim, when the target is kong-sim (absent for real Kong). */
  sim?: KongSim;
  close(): Promise<void>;
}

/** Starts (or points at) the Kong the suite runs against. */
export async function startKongTarget(
  options: { mode?: 'db' | 'dbless'; adminToken?: string } = {},
): Promise<KongTarget> {
  const mode = options.mode ?? 'db';
  const realAdmin =
    mode === 'dbless' ? process.env.KONG_DBLESS_ADMIN_URL : process.env.KONG_ADMIN_URL;
  const realProxy =
    mode === 'dbless' ? process.env.KONG_DBLESS_PROXY_URL : process.env.KONG_PROXY_URL;
  if (realAdmin && realProxy && options.adminToken === undefined) {
    return { admin: realAdmin, proxy: realProxy, close: async () => {} };
  }
  const sim = await startKongSim({
    mode,
    adminToken: options.adminToken,
    workerConsistency: 'strict',
    proxyHttp2: true,
  });
  return { admin: sim.admin, proxy: sim.proxy, sim, close: () => sim.close() };
}

/** A response with its JSON body parsed when there is one. */
export interface AdminResponse {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** Options of {@link adminCall}. */
export interface CallOptions {
  body?: unknown;
  /** Raw body text, sent as-is with `contentType`. */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** One Admin API request; objects are sent as JSON. */
export async function adminCall(
  target: KongTarget,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<AdminResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.raw !== undefined) {
    body = options.raw;
    if (options.contentType) headers['content-type'] = options.contentType;
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const res = await fetch(`${target.admin}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** A name no other test (or earlier run against a shared real Kong) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
