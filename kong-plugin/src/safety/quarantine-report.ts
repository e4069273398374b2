/**
 * Reports the instances left out because their target reaches a Kong node's Admin or status API:
 * a log line per instance when it is first seen, and the per-service gauge. A per-service
 * reconcile knows (and replaces) only its own services' part.
 */
import type { Logger } from '../logger';
import type { MetricsSink } from '../metrics-sink';
import type { UnsafeTarget } from './protected-endpoints';

export class QuarantineReport {
  /** Reported targets (`service/instance/target`). */
  private reported = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly metrics?: MetricsSink,
  ) {}

  /** The unsafe targets of everything, or of `services` only. */
  report(unsafe: readonly UnsafeTarget[], services?: readonly string[]): void {
    const inScope = services ? new Set(services) : undefined;
    const now = new Set<string>();
    if (inScope) {
      for (const key of this.reported) if (!inScope.has(key.split('/')[0]!)) now.add(key);
    }
    const perService = new Map<string, number>();
    for (const u of unsafe) {
      const key = `${u.service}/${u.instanceId}/${u.target}`;
      now.add(key);
      perService.set(u.service, (perService.get(u.service) ?? 0) + 1);
      if (this.reported.has(key)) continue;
      this.logger.warn(
        {
          event: 'target.quarantined',
          service: u.service,
          instanceId: u.instanceId,
          target: u.target,
          address: u.address,
          kongNode: u.endpoint.node,
          protects: u.endpoint.what,
        },
        `target quarantined: ${u.target} reaches ${u.endpoint.what} of Kong node ${u.endpoint.node}; it is never programmed`,
      );
    }
    this.reported = now;
    const metrics = this.metrics;
    if (!metrics) return;
    if (inScope) for (const service of inScope) metrics.unsafeTargets.set({ service }, 0);
    else metrics.unsafeTargets.reset();
    for (const [service, count] of perService) metrics.unsafeTargets.set({ service }, count);
  }
}
