/**
 * `GET /upstreams/{u}/health` (kong-sim/KONG_BEHAVIOUR.md#upstream-health-view) and the manual
 * healthy/unhealthy overrides (kong-sim/KONG_BEHAVIOUR.md#manual-overrides-and-checker-lifetime),
 * answered from the proxy's health checker through the HealthView seam.
 */
import { HttpError } from '../../dao/errors';
import { parseTarget } from '../../schema/entities/targets';
import type { Row } from '../../schema/types';
import type { TargetEntity } from '../../store/types';
import { ok, type AdminContext } from '../context';
import type { AdminRequest, Router } from '../router';
import { listTargets, targetOf, upstreamOf } from './targets';

interface Weights {
  total: number;
  available: number;
  unavailable: number;
}

function targetHealthRow(
  ctx: AdminContext,
  upstream: Row,
  target: Row,
): { row: Row; weight: Weights } {
  const { health, addresses } = ctx
    .health()
    .targetHealth(upstream.id as string, target as unknown as TargetEntity);
  const parsed = parseTarget(target.target as string);
  const total = addresses.reduce((sum, a) => sum + a.weight, 0);
  const available = addresses
    .filter((a) => a.health !== 'UNHEALTHY')
    .reduce((sum, a) => sum + a.weight, 0);
  const weight = { total, available, unavailable: total - available };
  const data = {
    host: parsed?.host ?? target.target,
    port: parsed?.port ?? 8000,
    dns: addresses.length > 0 ? 'A' : 'unknown',
    nodeWeight: target.weight,
    weight,
    addresses,
  };
  return { row: { ...target, health, data }, weight };
}

function health(ctx: AdminContext, req: AdminRequest): Row {
  const upstream = upstreamOf(ctx, req);
  const rows = listTargets(ctx, upstream).map((t) => targetHealthRow(ctx, upstream, t));
  if (!['1', 'true', 'on', 'yes'].includes(req.query.get('balancer_health') ?? '')) {
    return { data: rows.map((r) => r.row), next: null, node_id: ctx.nodeId };
  }
  const total = rows.reduce((sum, r) => sum + r.weight.total, 0);
  const available = rows.reduce((sum, r) => sum + r.weight.available, 0);
  const threshold = ((upstream.healthchecks as Row).threshold as number) ?? 0;
  const healthy = total > 0 && (available / total) * 100 > threshold;
  const on = ctx.health().isHealthcheckingOn(upstream.id as string);
  return {
    data: {
      health: on ? (healthy ? 'HEALTHY' : 'UNHEALTHY') : 'HEALTHCHECKS_OFF',
      balancer_health: healthy ? 'HEALTHY' : 'UNHEALTHY',
      id: upstream.id,
      details: {
        healthy,
        weight: { total, available, unavailable: total - available },
        hosts: rows.map((r) => r.row.data),
      },
    },
    next: null,
    node_id: ctx.nodeId,
  };
}

function setHealth(ctx: AdminContext, req: AdminRequest, healthy: boolean): { status: number } {
  const upstream = upstreamOf(ctx, req);
  const target = targetOf(ctx, req, upstream) as unknown as TargetEntity;
  let address = req.params.address;
  if (address !== undefined && !/:\d+$/.test(address)) address = `${address}:8000`;
  if (!ctx.health().setTargetHealth(upstream.id as string, target, healthy, address))
    throw new HttpError(400, `no healthchecker found for ${String(upstream.name)}`);
  return { status: 204 };
}

/** Registers the health routes. */
export function mountHealthRoutes(router: Router, ctx: AdminContext): void {
  router.add('/upstreams/{upstreams}/health', { GET: (req) => ok(health(ctx, req)) });
  for (const state of ['healthy', 'unhealthy'] as const) {
    const handler = (req: AdminRequest): { status: number } =>
      setHealth(ctx, req, state === 'healthy');
    router.add(`/upstreams/{upstreams}/targets/{targets}/${state}`, { PUT: handler });
    router.add(`/upstreams/{upstreams}/targets/{targets}/{address}/${state}`, { PUT: handler });
  }
}
