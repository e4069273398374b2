/**
 * The pool of live instances the registry benchmarks cycle over: 100 services × 10 instances,
 * each registered with the same body, so heartbeats and re-registrations hit existing leases.
 */
import { inParallel, registerInstance } from './registry-client';

export const POOL = { services: 100, perService: 10 };

/** The registration body of every pool instance (and of the re-registration requests). */
export const REGISTER_BODY = JSON.stringify({
  host: '10.1.0.1',
  port: 8080,
  version: '1.4.2',
  ttlSeconds: 3600,
  metadata: { zone: 'a' },
});

/** Registers the whole pool on the registry at `url`: `bench-<s>/i-<n>`, 16 at a time. */
export async function registerPool(url: string, token: string): Promise<void> {
  const ids = Array.from({ length: POOL.services * POOL.perService }, (_, i) => i);
  await inParallel(ids, 16, async (i) => {
    await registerInstance(
      url,
      token,
      `bench-${i % POOL.services}`,
      `i-${Math.floor(i / POOL.services)}`,
      JSON.parse(REGISTER_BODY),
    );
  });
}
