/**
 * What the controller records, as an interface apart from prom-client: one-shot commands (sync,
 * diff) record into NO_METRICS and so never load prom-client, which cost as much start-up as
 * the whole reconcile of 100 services (bench/profiles/controller-reconcile.md).
 */

/** The instruments the controller and reconciler write to (ControllerMetrics implements it). */
export interface MetricsSink {
  reconciles: { inc(labels: { result: string; scope: string }): void };
  reconcileDuration: { startTimer(): (labels: { scope: string }) => unknown };
  reconcileWrites: { observe(labels: { scope: string }, value: number): void };
  operations: { inc(labels: { op: string; kind: string; result: string }): void };
  heldRemovals: { reset(): void; set(labels: { service: string }, value: number): void };
  massExpiryHolds: { inc(): void };
  /** Reconciles the DB-less node watch asked for, per node and reason (apply/node-watch.ts). */
  nodeWatchReconciles: { inc(labels: { reason: string }): void };
  quarantined: { set(value: number): void };
  /** Instances left out because their target is a Kong Admin or status API, per service. */
  unsafeTargets: { reset(): void; set(labels: { service: string }, value: number): void };
  leader: { set(value: number): void };
  ready: { set(value: number): void };
  lastSuccess: { set(value: number): void };
  lastConverged: { set(value: number): void };
  /** Prometheus text exposition for `/metrics`; absent when nothing is exported. */
  expose?(): Promise<{ contentType: string; body: string }>;
}

const ignore = (): void => undefined;

/** Records nothing (one-shot commands). */
export const NO_METRICS: MetricsSink = Object.freeze({
  reconciles: { inc: ignore },
  reconcileDuration: { startTimer: () => ignore },
  reconcileWrites: { observe: ignore },
  operations: { inc: ignore },
  heldRemovals: { reset: ignore, set: ignore },
  massExpiryHolds: { inc: ignore },
  nodeWatchReconciles: { inc: ignore },
  quarantined: { set: ignore },
  unsafeTargets: { reset: ignore, set: ignore },
  leader: { set: ignore },
  ready: { set: ignore },
  lastSuccess: { set: ignore },
  lastConverged: { set: ignore },
});
