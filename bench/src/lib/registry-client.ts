import { mintToken, resolveJwtKeys } from '@kong-registry/registry';
import type { RegisterRequest } from '@kong-registry/sdk';
import { BENCH_JWT_SECRET } from './services';

const benchKeys = () =>
  resolveJwtKeys({ algorithm: 'HS256', secret: BENCH_JWT_SECRET, ephemeral: false });

/** An admin token for the bench registry (HS256 with the bench secret). */
export function adminToken(): string {
  return mintToken(benchKeys(), { role: 'admin' }, { ttlSeconds: 86_400 });
}

/** A service token for `service` on the bench registry, as an instance of it would hold. */
export function serviceToken(service: string): string {
  return mintToken(benchKeys(), { role: 'service', service }, { ttlSeconds: 86_400 });
}

/** Runs `task` for every item with at most `concurrency` in flight. */
export async function inParallel<T>(
  items: T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** PUT /v1/services/{svc}/instances/{id}; throws on a non-2xx reply. */
export async function registerInstance(
  registryUrl: string,
  token: string,
  service: string,
  instanceId: string,
  body: RegisterRequest,
): Promise<string> {
  const res = await fetch(`${registryUrl}/v1/services/${service}/instances/${instanceId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`register ${service}/${instanceId}: ${res.status} ${text}`);
  return text;
}

/** DELETE /v1/services/{svc}/instances/{id}; throws on anything but 204/404. */
export async function deregisterInstance(
  registryUrl: string,
  token: string,
  service: string,
  instanceId: string,
): Promise<void> {
  const res = await fetch(`${registryUrl}/v1/services/${service}/instances/${instanceId}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  await res.arrayBuffer();
  if (res.status !== 204 && res.status !== 404)
    throw new Error(`deregister ${service}/${instanceId}: ${res.status}`);
}
