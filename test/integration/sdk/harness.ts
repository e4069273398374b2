import { startRegistry, type RunningRegistry } from '@kong-registry/registry';
import type { Instance, ServiceView } from '@kong-registry/sdk';
import { uniquePrefix } from '../../helpers/redis';

/** A real in-process registry on 127.0.0.1 with short lease bounds, for SDK tests. */
export async function startTestRegistry(
  redisUrl: string,
  { port = 0, keyPrefix = uniquePrefix('sdk') }: { port?: number; keyPrefix?: string } = {},
): Promise<RunningRegistry> {
  return startRegistry({
    host: '127.0.0.1',
    port,
    reaper: true,
    env: {
      REDIS_URL: redisUrl,
      REGISTRY_KEY_PREFIX: keyPrefix,
      REGISTRY_JWT_SECRET: 'sdk-integration-secret-0123456789abcdef',
      REGISTRY_LEASE_MIN_TTL_SECONDS: '1',
      REGISTRY_DRAIN_SECONDS: '30',
      REGISTRY_REAPER_INTERVAL_MS: '100',
      LOG_LEVEL: 'silent',
    },
  });
}

/** The instances of `service` as the registry reports them (admin view), [] when none. */
export async function instancesOf(registry: RunningRegistry, service: string): Promise<Instance[]> {
  const response = await fetch(`${registry.url}/v1/services/${service}`, {
    headers: { authorization: `Bearer ${registry.adminToken ?? ''}` },
  });
  if (response.status === 404) return [];
  if (!response.ok)
    throw new Error(`GET /v1/services/${service}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as ServiceView).instances;
}

/**
 * Counts the SDK's requests per method and path suffix by spying on global fetch (it still goes
 * to the real registry: nothing is mocked).
 */
export function spyOnRegistryCalls(): {
  count(method: string, pathPart: string): number;
  restore(): void;
} {
  const spy = jest.spyOn(globalThis, 'fetch');
  return {
    count: (method, pathPart) =>
      spy.mock.calls.filter(
        ([input, init]) => (init?.method ?? 'GET') === method && String(input).includes(pathPart),
      ).length,
    restore: () => spy.mockRestore(),
  };
}
