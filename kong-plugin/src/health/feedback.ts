/**
 * Health feedback: reads `GET /upstreams/{u}/health` of the managed upstreams a round picks
 * (./rounds.ts) and reports each instance's Kong health to the registry (`gateway-health`), so
 * admins see what Kong sees. Only changes are reported: against the snapshot's `gatewayHealth`
 * and against what we last sent.
 */
import type { GatewayHealthStatus, StateSnapshot } from '@kong-registry/sdk';
import type { KongAdminClient } from '../admin-api/client';
import { forEachLimited, mapLimited } from '../apply/concurrency';
import { TARGET_READ_CONCURRENCY } from '../current/read';
import type { KongBody } from '../kong/entities';
import { errorStatus } from '../errors';
import type { Logger } from '../logger';
import { INSTANCE_TAG_PREFIX, isOwned, names, tagValue } from '../naming';
import type { RegistryClient } from '../registry/client';

const KNOWN: ReadonlySet<string> = new Set([
  'HEALTHY',
  'UNHEALTHY',
  'HEALTHCHECKS_OFF',
  'DNS_ERROR',
]);

/** Kong's health of one registry instance. */
export interface InstanceHealth {
  service: string;
  instanceId: string;
  target: string;
  status: GatewayHealthStatus;
}

/** What one health read found. */
export interface HealthRead {
  instances: InstanceHealth[];
  /** Per service read: its targets' statuses, or undefined when its upstream could not be read. */
  byService: Map<string, string[] | undefined>;
}

/** Reads Kong's view of every instance of `services` (one health list per upstream). */
export async function readKongHealth(
  client: KongAdminClient,
  services: readonly string[],
  ownershipTag: string,
): Promise<HealthRead> {
  const byService = new Map<string, string[] | undefined>();
  // One health list per upstream, 10 in flight (as target reads): not 1,000 requests at once.
  const results = await mapLimited(services, TARGET_READ_CONCURRENCY, async (service) => {
    let rows: KongBody[];
    try {
      rows = await client.listAll<KongBody>(
        `/upstreams/${encodeURIComponent(names.upstream(service))}/health`,
      );
    } catch {
      byService.set(service, undefined);
      return []; // upstream not there (yet, or quarantined): nothing to report
    }
    const found = rows
      .filter((row) => isOwned(row.tags, ownershipTag))
      .flatMap((row): InstanceHealth[] => {
        const instanceId = tagValue(row.tags, INSTANCE_TAG_PREFIX);
        if (instanceId === undefined) return [];
        const status =
          typeof row.health === 'string' && KNOWN.has(row.health) ? row.health : 'UNKNOWN';
        return [
          {
            service,
            instanceId,
            target: String(row.target),
            status: status as GatewayHealthStatus,
          },
        ];
      });
    byService.set(
      service,
      found.map((item) => item.status),
    );
    return found;
  });
  return { instances: results.flat(), byService };
}

/** Up to this many reports in one pass get a log line each. */
const REPORTS_LOGGED_ONE_BY_ONE = 20;

/** How long a sent status suppresses resending while the registry snapshot catches up. */
const RESEND_AFTER_MS = 30_000;

/** Reports health changes; remembers what it sent so a stale snapshot does not cause repeats. */
export class HealthReporter {
  private readonly lastSent = new Map<string, { status: GatewayHealthStatus; at: number }>();

  constructor(
    private readonly registry: RegistryClient,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Sends the statuses that differ from the registry's; returns how many were reported. */
  async report(snapshot: StateSnapshot, health: InstanceHealth[]): Promise<number> {
    const known = new Map<string, GatewayHealthStatus | undefined>();
    for (const view of snapshot.services) {
      for (const instance of view.instances) {
        known.set(`${view.name}/${instance.instanceId}`, instance.gatewayHealth?.status);
      }
    }
    const due = health.filter((item) => {
      const key = `${item.service}/${item.instanceId}`;
      if (!known.has(key)) return false; // instance gone from the registry
      if (known.get(key) === item.status) {
        this.lastSent.delete(key);
        return false;
      }
      const last = this.lastSent.get(key);
      return !(last && last.status === item.status && this.now() - last.at < RESEND_AFTER_MS);
    });
    let sent = 0;
    // A few changes are news, one line each; a mass change (a first sync, a Kong restart) is
    // one summary line, the instances at debug.
    const each = due.length <= REPORTS_LOGGED_ONE_BY_ONE ? 'info' : 'debug';
    const byStatus: Record<string, number> = {};
    // 10 reports in flight: after a mass change (a Kong restart) thousands are due at once.
    await forEachLimited(due, TARGET_READ_CONCURRENCY, async (item) => {
      try {
        await this.registry.reportGatewayHealth(item.service, item.instanceId, item.status);
        this.lastSent.set(`${item.service}/${item.instanceId}`, {
          status: item.status,
          at: this.now(),
        });
        sent++;
        byStatus[item.status] = (byStatus[item.status] ?? 0) + 1;
        this.logger[each](
          { service: item.service, instanceId: item.instanceId, status: item.status },
          'reported gateway health',
        );
      } catch (err) {
        // 404: the instance left between the snapshot and the report; nothing to tell.
        const level = errorStatus(err) === 404 ? 'debug' : 'warn';
        this.logger[level](
          {
            service: item.service,
            instanceId: item.instanceId,
            err: err instanceof Error ? err.message : String(err),
          },
          'gateway-health report failed',
        );
      }
    });
    if (each === 'debug' && sent > 0)
      this.logger.info({ reported: sent, byStatus }, 'reported gateway health of many instances');
    return sent;
  }
}
