/** Reads of Kong's Admin API that the tour and the e2e suite check (health, targets). */
import { names } from '@kong-registry/kong-plugin';
import { callJson } from './http';

/** One target of an upstream as Kong reports it. */
export interface KongTarget {
  target: string;
  weight: number;
  /** From `/upstreams/{u}/health`: HEALTHY, UNHEALTHY, HEALTHCHECKS_OFF, ...; undefined from `/targets`. */
  health?: string;
}

interface KongAccess {
  kongAdminUrl: string;
  kongAdminHeaders(): Record<string, string>;
}

async function list(kong: KongAccess, path: string): Promise<KongTarget[]> {
  const reply = await callJson(`${kong.kongAdminUrl}${path}`, { headers: kong.kongAdminHeaders() });
  if (reply.status === 404) return [];
  if (reply.status !== 200) throw new Error(`GET ${path} answered ${reply.status}`);
  return ((reply.body as { data?: KongTarget[] }).data ?? []).map((t) => ({
    target: String(t.target),
    weight: Number(t.weight),
    health: t.health === undefined ? undefined : String(t.health),
  }));
}

/** Kong's view of the health of every target of `service`'s upstream. */
export function readTargetHealth(kong: KongAccess, service: string): Promise<KongTarget[]> {
  return list(kong, `/upstreams/${encodeURIComponent(names.upstream(service))}/health`);
}

/** The targets configured on `service`'s upstream. */
export function readTargets(kong: KongAccess, service: string): Promise<KongTarget[]> {
  return list(kong, `/upstreams/${encodeURIComponent(names.upstream(service))}/targets`);
}
