import type { StoreReader, TargetEntity, UpstreamEntity } from '../store/types';

/** Something that knows whether a target may get traffic (health checker and DNS). */
export interface TargetHealthLookup {
  isHealthy(targetId: string): boolean;
  /**
   * False when the target's name does not resolve: it then has no weight at all
   * (kong-sim/KONG_BEHAVIOUR.md#balancer).
   */
  hasAddresses?(target: TargetEntity): boolean;
}

/**
 * Weighted round-robin over an upstream's healthy targets with weight > 0
 * (kong-sim/KONG_BEHAVIOUR.md#balancer).
 * Smooth weighted round-robin spreads picks evenly in proportion to weight, like Kong's wheel.
 * State is kept per target id, so it survives store changes without any rebuild; a deleted
 * target's state is dropped ({@link RoundRobinBalancer.follow}).
 */
export class RoundRobinBalancer {
  private readonly currentWeights = new Map<string, number>();

  /**
   * Drops the state of every target that leaves `store` (deleted, or cascaded with its upstream);
   * a DB-less `/config` that keeps a target's id keeps its state. Kong keeps nothing of a deleted
   * target either: every target event rebuilds the upstream's balancer from the targets that
   * remain (K:kong/runloop/balancer/targets.lua `on_target_event`). Returns the unsubscribe.
   */
  follow(store: StoreReader): () => void {
    return store.onChange((change) => {
      if (change.kind !== 'targets' || change.op !== 'delete') return;
      if (!store.get('targets', change.entity.id)) this.currentWeights.delete(change.entity.id);
    });
  }

  /** How many targets have state (tests). */
  get trackedTargets(): number {
    return this.currentWeights.size;
  }

  /**
   * Picks the next target, or undefined when the balancer is unhealthy: total weight 0, or the
   * available share not above `healthchecks.threshold` percent
   * (K:kong/runloop/balancer/balancers.lua `updateStatus`).
   * `exclude` holds targets that already failed for this request (tried again only if nothing else).
   */
  pick(
    upstream: UpstreamEntity,
    targets: readonly TargetEntity[],
    health: TargetHealthLookup | undefined,
    exclude: ReadonlySet<string> = new Set(),
  ): TargetEntity | undefined {
    const weighted = targets.filter((t) => t.weight > 0 && (health?.hasAddresses?.(t) ?? true));
    const total = weighted.reduce((sum, t) => sum + t.weight, 0);
    const healthy = weighted.filter((t) => !health || health.isHealthy(t.id));
    const available = healthy.reduce((sum, t) => sum + t.weight, 0);
    if (
      total === 0 ||
      (available / total) * 100 <= upstream.healthchecks.threshold ||
      available === 0
    )
      return undefined;
    const fresh = healthy.filter((t) => !exclude.has(t.id));
    const candidates = fresh.length > 0 ? fresh : healthy;
    const sum = candidates.reduce((s, t) => s + t.weight, 0);
    let best: TargetEntity | undefined;
    let bestWeight = -Infinity;
    for (const target of candidates) {
      const weight = (this.currentWeights.get(target.id) ?? 0) + target.weight;
      this.currentWeights.set(target.id, weight);
      if (weight > bestWeight) {
        best = target;
        bestWeight = weight;
      }
    }
    if (best) this.currentWeights.set(best.id, bestWeight - sum);
    return best;
  }
}
