/**
 * The per-service gauge of target removals the mass-expiry guard holds: what the last reconcile
 * of each service held, so that a hold's end (or a hold on one node only) shows, and an alert on
 * it stops. A per-service reconcile replaces only its own services' part; a whole one replaces
 * every service but those it left to per-service reconciles.
 */
import type { MetricsSink } from '../metrics-sink';
import type { HeldRemoval } from '../plan/guard';

export class HoldReport {
  /** Held removals per service, the most on any node. */
  private held = new Map<string, number>();

  constructor(private readonly metrics?: MetricsSink) {}

  /**
   * One reconcile's holds, per node. `services`: the scope of a per-service reconcile (undefined
   * for a whole one); `left`: the services a whole one did not plan.
   */
  report(
    perNode: readonly (readonly HeldRemoval[])[],
    services: readonly string[] | undefined,
    left: ReadonlySet<string>,
  ): void {
    const replaced = services ? new Set(services) : undefined;
    for (const service of [...this.held.keys()])
      if (replaced ? replaced.has(service) : !left.has(service)) this.held.delete(service);
    for (const holds of perNode)
      for (const { service, targets } of holds)
        this.held.set(service, Math.max(this.held.get(service) ?? 0, targets.length));
    const metrics = this.metrics;
    if (!metrics) return;
    metrics.heldRemovals.reset();
    for (const [service, count] of this.held) metrics.heldRemovals.set({ service }, count);
  }
}
