import { createController, loadConfig, type Controller } from '@kong-registry/kong-plugin';
import { inParallel, registerInstance } from './registry-client';

/** A registration body for fleet instances: all point at one live backend, probes rare. */
export function fleetBody(backendPort: number, index: number) {
  return {
    // Kong keys targets by address, so every instance gets its own loopback address.
    host: `127.${1 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`,
    port: backendPort,
    weight: 100,
    ttlSeconds: 3600,
    // Kong-sim probes every target; a long interval keeps probes out of the measurement.
    healthCheck: { intervalSeconds: 300 },
    metadata: { index: String(index) },
  };
}

/** Service name of fleet service i (prefix /svc-i). */
export const fleetService = (i: number): string => `svc-${i}`;

/** Registers `services` x `perService` instances; resolves with the wall time in ms. */
export async function registerFleet(
  registryUrl: string,
  token: string,
  services: number,
  perService: number,
  backendPort: number,
  concurrency = 32,
): Promise<number> {
  const started = performance.now();
  const items = Array.from({ length: services * perService }, (_, i) => i);
  await inParallel(items, concurrency, async (i) => {
    const service = fleetService(i % services);
    const instanceId = `i-${Math.floor(i / services)}`;
    await registerInstance(registryUrl, token, service, instanceId, fleetBody(backendPort, i));
  });
  return performance.now() - started;
}

/** An in-process controller for one Kong node (no leader lock, no event follower). */
export function benchController(
  registryUrl: string,
  token: string,
  kongAdmin: string,
  mode: 'db' | 'dbless',
): Controller {
  const config = loadConfig(
    {
      REGISTRY_URL: registryUrl,
      REGISTRY_TOKEN: token,
      KONG_ADMIN_URL: kongAdmin,
      KONG_MODE: mode,
      LOG_LEVEL: 'warn',
      HEALTH_FEEDBACK_INTERVAL: '0s',
    },
    {},
  );
  return createController(config);
}
