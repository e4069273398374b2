/**
 * Prometheus metrics of the controller, on a private registry (never the global one, so tests
 * and several controllers in one process do not collide).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricsSink } from './metrics-sink';

/** The controller's metrics. */
export class ControllerMetrics implements MetricsSink {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: 'kr_controller_reconciles_total',
    help: 'Reconciles by result (ok, failed, follower) and scope (all, or services: a per-service reconcile)',
    labelNames: ['result', 'scope'] as const,
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'kr_controller_reconcile_duration_seconds',
    help: 'Duration of a reconcile, by scope (all, or services: a per-service reconcile)',
    labelNames: ['scope'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly reconcileWrites = new Histogram({
    name: 'kr_controller_reconcile_writes',
    help: 'Admin API writes a reconcile sent, over every Kong node (a DB-less push is one), by scope; leader only',
    labelNames: ['scope'] as const,
    buckets: [0, 1, 2, 5, 10, 25, 50, 100, 250, 1000],
    registers: [this.registry],
  });
  readonly operations = new Counter({
    name: 'kr_controller_operations_total',
    help: 'Planned operations sent to Kong, by op, kind and result',
    labelNames: ['op', 'kind', 'result'] as const,
    registers: [this.registry],
  });
  readonly heldRemovals = new Gauge({
    name: 'kr_controller_held_target_removals',
    help: 'Target removals the mass-expiry guard holds after the last reconcile, per service (most on any Kong node); gone when the hold ends',
    labelNames: ['service'] as const,
    registers: [this.registry],
  });
  readonly massExpiryHolds = new Counter({
    name: 'kr_controller_mass_expiry_holds_total',
    help: 'Reconciles in which the mass-expiry guard held removals',
    registers: [this.registry],
  });
  readonly nodeWatchReconciles = new Counter({
    name: 'kr_controller_node_watch_reconciles_total',
    help: 'DB-less nodes for which the node watch asked a reconcile, by reason: empty (restarted), replaced (someone else pushed), reachable-again',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly quarantined = new Gauge({
    name: 'kr_controller_quarantined_services',
    help: 'Services left untouched because of translation failures or conflicts',
    registers: [this.registry],
  });
  readonly unsafeTargets = new Gauge({
    name: 'kr_controller_unsafe_targets',
    help: 'Instances never programmed because their target is a Kong Admin or status API, per service',
    labelNames: ['service'] as const,
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'kr_controller_leader',
    help: '1 while this replica holds the leader lock',
    registers: [this.registry],
  });
  readonly ready = new Gauge({
    name: 'kr_controller_ready',
    help: '1 after the first successful reconcile',
    registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({
    name: 'kr_controller_last_success_timestamp_seconds',
    help: 'Unix time of the last successful reconcile',
    registers: [this.registry],
  });
  readonly lastConverged = new Gauge({
    name: 'kr_controller_last_converged_timestamp_seconds',
    help: 'Unix time of the last whole reconcile after which every Kong node held the desired state, nothing held back (convergence.ts); the start time until the first',
    registers: [this.registry],
  });

  /** The Prometheus text of every metric above. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
