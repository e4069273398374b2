/**
 * One reconcile: registry snapshot -> desired state -> for every Kong node: current state ->
 * plan (+ mass-expiry guard) -> apply. Each node is converged and reported on its own, and one
 * node failing never blocks the others (DB-less nodes each keep their own config).
 */
import type { StateSnapshot } from '@kong-registry/sdk';
import type { KongAdminClient } from './admin-api/client';
import { DbApplier } from './apply/db';
import { DblessApplier } from './apply/dbless';
import type { Applier, ApplyResult } from './apply/types';
import { readCurrentState } from './current/read';
import { buildDesiredState } from './desired/build';
import type { DesiredState, TranslationFailure } from './desired/types';
import { desiredStateHash } from './apply/declarative';
import { describeError, errorLogFields } from './errors';
import type { Logger } from './logger';
import type { MetricsSink } from './metrics-sink';
import { guardMassExpiry, type GuardOptions, type HeldRemoval } from './plan/guard';
import { planChanges } from './plan/plan';
import { summarizePlan, type CurrentState, type Plan } from './plan/types';
import type { RegistryClient } from './registry/client';
import type { UnsafeTarget } from './safety/protected-endpoints';
import type { KongSelfProtection } from './safety/self-protection';

/** One Kong node and how we write to it (resolved on first contact in auto mode). */
export interface KongNode {
  url: string;
  client: KongAdminClient;
  mode: 'db' | 'dbless' | 'auto';
  applier?: Applier;
}

/** A node's mode and current state, or why they could not be read. */
type NodeRead = { mode: 'db' | 'dbless'; current: CurrentState } | { error: unknown };

/** What happened on one node. */
export interface NodeReport {
  node: string;
  mode: 'db' | 'dbless' | 'unknown';
  plan?: Plan;
  current?: CurrentState;
  held: HeldRemoval[];
  result?: ApplyResult;
  /** Set when the node could not be read or written at all. */
  error?: string;
  durationMs: number;
}

/** What happened in one reconcile. */
export interface ReconcileReport {
  revision: number;
  snapshot: StateSnapshot;
  desired: DesiredState;
  failures: TranslationFailure[];
  nodes: NodeReport[];
  /** True when every node was read and (if applying) every op succeeded. */
  ok: boolean;
  applied: boolean;
  durationMs: number;
}

/** Dependencies of the reconciler. */
export interface ReconcilerDeps {
  registry: RegistryClient;
  nodes: KongNode[];
  ownershipTag: string;
  applyConcurrency: number;
  guard: GuardOptions;
  logger: Logger;
  metrics?: MetricsSink;
  /** Parsed DBLESS_BASE_FILE. */
  dblessBase?: Record<string, unknown>;
  /** Leaves out instances whose target is a managed node's Admin or status API. */
  selfProtection?: KongSelfProtection;
  /** Checked before every write batch (leader lock). */
  beforeWrite?: () => Promise<void>;
  /** The controller's clock: desired state and the guard's timing of unexplained removals. */
  now?: () => Date;
}

/** Runs reconciles; keeps per-node appliers and the guard's memory between runs. */
export class Reconciler {
  /**
   * Per node, per service: when the guard first held removals that no tombstone explains. The
   * only time the guard keeps; every other removal is timed by its tombstone.
   */
  private readonly unexplainedSince = new Map<string, Map<string, number>>();
  /** Highest registry revision seen; a lower one means the registry lost its state. */
  private lastRevision = -1;
  /** Quarantined targets already logged (`service/instance/target`). */
  private unsafeReported = new Set<string>();

  constructor(private readonly deps: ReconcilerDeps) {}

  /** Reads everything and plans; applies when `apply` is true. */
  async reconcile({ apply }: { apply: boolean }): Promise<ReconcileReport> {
    const started = Date.now();
    // Kong is read while the registry snapshot is on its way: neither read depends on the other
    // (only this controller writes managed entities, and its reconciles never overlap). A node
    // whose applier may prove it still holds the desired state is read only if it cannot.
    const reads = this.deps.nodes.map((node) =>
      apply && node.applier?.holds ? undefined : this.readNode(node),
    );
    let snapshot: StateSnapshot;
    let now: Date;
    let desired: DesiredState;
    try {
      snapshot = await this.deps.registry.getState();
      this.noteRevision(snapshot.revision);
      now = this.deps.now?.() ?? new Date();
      const unsafeTargets = (await this.deps.selfProtection?.unsafeTargets(snapshot)) ?? [];
      this.reportUnsafe(unsafeTargets);
      desired = buildDesiredState(snapshot, {
        ownershipTag: this.deps.ownershipTag,
        now,
        unsafeTargets,
      });
    } catch (err) {
      // The Kong reads end before this reconcile does (they never reject), so none outlives it
      // into the next one.
      await Promise.all(reads.filter((read) => read !== undefined));
      throw err;
    }
    // Rendering and hashing the whole state costs as much as a push's rendering: only DB-less
    // nodes use it, and only once per reconcile.
    let hash: string | undefined;
    const desiredHash = (): string => (hash ??= desiredStateHash(desired.state));
    for (const failure of desired.failures) {
      this.deps.logger.warn(failure, 'registry object quarantined: cannot be translated');
    }
    const nodes = await Promise.all(
      this.deps.nodes.map((node, i) =>
        this.reconcileNode(
          node,
          reads[i],
          { ...desired, hash: desiredHash },
          { snapshot, now: now.getTime() },
          apply,
        ),
      ),
    );
    const ok = nodes.every((n) => !n.error && (n.result?.errors.length ?? 0) === 0);
    return {
      revision: snapshot.revision,
      snapshot,
      desired,
      failures: desired.failures,
      nodes,
      ok,
      applied: apply,
      durationMs: Date.now() - started,
    };
  }

  /** Quarantined targets: a log line per instance when it is first seen, and the gauge. */
  private reportUnsafe(unsafe: UnsafeTarget[]): void {
    const now = new Set<string>();
    const perService = new Map<string, number>();
    for (const u of unsafe) {
      const key = `${u.service}/${u.instanceId}/${u.target}`;
      now.add(key);
      perService.set(u.service, (perService.get(u.service) ?? 0) + 1);
      if (this.unsafeReported.has(key)) continue;
      this.deps.logger.warn(
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
    this.unsafeReported = now;
    const metrics = this.deps.metrics;
    if (!metrics) return;
    metrics.unsafeTargets.reset();
    for (const [service, count] of perService) metrics.unsafeTargets.set({ service }, count);
  }

  /** Mode and current state of one node; never rejects (the failure is reported per node). */
  private async readNode(node: KongNode): Promise<NodeRead> {
    try {
      const mode = await this.resolveMode(node);
      const current = await readCurrentState(
        node.client,
        this.deps.ownershipTag,
        this.deps.applyConcurrency,
      );
      return { mode, current };
    } catch (error) {
      return { error };
    }
  }

  private async reconcileNode(
    node: KongNode,
    pendingRead: Promise<NodeRead> | undefined,
    desired: DesiredState & { hash: () => string },
    at: { snapshot: StateSnapshot; now: number },
    apply: boolean,
  ): Promise<NodeReport> {
    const started = Date.now();
    const log = this.deps.logger.child({ node: node.url });
    const report: NodeReport = {
      node: node.url,
      mode: node.mode === 'auto' ? 'unknown' : node.mode,
      held: [],
      durationMs: 0,
    };
    try {
      if (!pendingRead && (await node.applier?.holds?.(desired.hash()))) {
        // The node holds what was pushed for this very desired state: nothing to read or plan.
        report.mode = 'dbless';
        report.plan = { ops: [], conflicts: [], quarantined: { services: [], consumers: [] } };
        report.result = { applied: [], errors: [], writes: 0, skipped: true };
      } else {
        const read = await (pendingRead ?? this.readNode(node));
        if ('error' in read) throw read.error;
        const { mode, current } = read;
        report.mode = mode;
        report.current = current;
        const plan = planChanges(desired, current);
        const guarded = this.guard(node.url, plan, current, at.snapshot, at.now);
        report.plan = { ...plan, ops: guarded.ops };
        report.held = guarded.held;
        for (const conflict of plan.conflicts)
          log.warn(conflict, 'service quarantined: conflicts with an unmanaged Kong entity');
        for (const held of guarded.held) {
          log.warn(held, 'mass expiry: holding target removals');
          this.deps.metrics?.heldRemovals.set({ service: held.service }, held.targets.length);
        }
        if (guarded.held.length > 0) this.deps.metrics?.massExpiryHolds.inc();
        this.deps.metrics?.quarantined.set(plan.quarantined.services.length);
        if (apply) {
          const applier = this.applierFor(node, mode, log);
          // Only a plan that carries the whole desired state may later vouch for it.
          const whole =
            guarded.held.length === 0 &&
            plan.conflicts.length === 0 &&
            plan.quarantined.services.length === 0 &&
            plan.quarantined.consumers.length === 0 &&
            desired.failures.length === 0;
          report.result = await applier.apply({
            plan: report.plan,
            current,
            ...(whole && applier.holds ? { desiredHash: desired.hash() } : {}),
          });
          for (const error of report.result.errors) {
            log.error(
              {
                op: error.op,
                kind: error.kind,
                name: error.entityName,
                err: describeError(error.cause),
              },
              'operation failed',
            );
          }
          this.countOps(report.result);
        }
      }
    } catch (err) {
      report.error = describeError(err);
      log.error(errorLogFields(err), 'reconcile of node failed');
    }
    report.durationMs = Date.now() - started;
    this.logSummary(log, report, desired.revision, apply);
    return report;
  }

  /**
   * A revision lower than one already seen means the registry's Redis came back empty: every
   * instance is gone from the snapshot at once, and so are the tombstones that would say why.
   * The guard counts such unexplained removals as expiries, so Kong keeps routing while the
   * services re-register, instead of deleting the whole gateway configuration; this only logs.
   */
  private noteRevision(revision: number): void {
    if (revision < this.lastRevision) {
      this.deps.logger.warn(
        { previous: this.lastRevision, revision, holdMs: this.deps.guard.holdMs },
        'registry revision went backwards: its state was lost; removals without a tombstone count as expiries',
      );
    }
    this.lastRevision = revision;
  }

  private guard(
    nodeUrl: string,
    plan: Plan,
    current: CurrentState,
    snapshot: StateSnapshot,
    now: number,
  ) {
    const targetCounts = new Map<string, number>();
    for (const target of current.managed.target.values()) {
      if (target.service !== undefined)
        targetCounts.set(target.service, (targetCounts.get(target.service) ?? 0) + 1);
    }
    let unexplainedSince = this.unexplainedSince.get(nodeUrl);
    if (!unexplainedSince) this.unexplainedSince.set(nodeUrl, (unexplainedSince = new Map()));
    return guardMassExpiry({
      ops: plan.ops,
      targetCounts,
      snapshot,
      unexplainedSince,
      now,
      options: this.deps.guard,
    });
  }

  private async resolveMode(node: KongNode): Promise<'db' | 'dbless'> {
    if (node.mode !== 'auto') return node.mode;
    const info = await node.client.get<{ configuration?: { database?: string } }>('/');
    node.mode = info.configuration?.database === 'off' ? 'dbless' : 'db';
    return node.mode;
  }

  private applierFor(node: KongNode, mode: 'db' | 'dbless', log: Logger): Applier {
    if (!node.applier) {
      const beforeBatch = this.deps.beforeWrite;
      node.applier =
        mode === 'db'
          ? new DbApplier(node.client, {
              concurrency: this.deps.applyConcurrency,
              ...(beforeBatch ? { beforeBatch } : {}),
              onOp: (op, error) =>
                log.debug(
                  { op: op.op, kind: op.kind, name: op.name, failed: !!error },
                  'operation',
                ),
            })
          : new DblessApplier(node.client, {
              ...(this.deps.dblessBase ? { base: this.deps.dblessBase } : {}),
              ...(beforeBatch ? { beforeBatch } : {}),
              onDropped: (dropped) =>
                log.warn({ dropped }, 'base file entities replaced by managed ones'),
            });
    }
    return node.applier;
  }

  private countOps(result: ApplyResult): void {
    const metrics = this.deps.metrics;
    if (!metrics) return;
    for (const op of result.applied)
      metrics.operations.inc({ op: op.op, kind: op.kind, result: 'ok' });
    for (const err of result.errors)
      metrics.operations.inc({ op: err.op, kind: err.kind, result: 'failed' });
  }

  private logSummary(log: Logger, report: NodeReport, revision: number, apply: boolean): void {
    const planned = report.plan
      ? summarizePlan(report.plan.ops)
      : { created: 0, updated: 0, deleted: 0 };
    const failed = report.result?.errors.length ?? 0;
    const line = {
      revision,
      mode: report.mode,
      ...(apply ? planned : { planned }),
      failed,
      writes: report.result?.writes ?? 0,
      skipped: report.result?.skipped ?? false,
      quarantined: report.plan?.quarantined.services.length ?? 0,
      held: report.held.reduce((n, h) => n + h.targets.length, 0),
      durationMs: report.durationMs,
    };
    const changed = line.writes > 0 || planned.created + planned.updated + planned.deleted > 0;
    if (report.error || failed > 0)
      log.warn(line, apply ? 'reconcile finished with errors' : 'plan finished with errors');
    // A converged resync every 30 s is not news: it goes to debug, changes stay at info.
    else if (changed || line.held > 0 || line.quarantined > 0)
      log.info(line, apply ? 'reconciled' : 'planned (read-only)');
    else log.debug(line, apply ? 'reconciled (already converged)' : 'planned (nothing to do)');
  }
}
