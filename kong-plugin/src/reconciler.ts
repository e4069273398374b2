/**
 * One reconcile: registry snapshot -> desired state -> for every Kong node: current state ->
 * plan (+ mass-expiry guard) -> apply. Each node is converged and reported on its own, and one
 * node failing never blocks the others (DB-less nodes each keep their own config).
 */
import { STATE_SCOPE_MAX_SERVICES, type StateSnapshot } from '@kong-registry/sdk';
import { DbApplier } from './apply/db';
import { DblessApplier } from './apply/dbless';
import type { Applier } from './apply/types';
import { readCurrentState, readServiceLists } from './current/read';
import { baseGlobalPlugins } from './current/dbless-base';
import { splitByOwnership } from './current/split';
import { buildDesiredState } from './desired/build';
import type { DesiredState } from './desired/types';
import { desiredStateHash } from './apply/declarative';
import { describeError, errorLogFields } from './errors';
import { Pacer, Serial } from './http/pacing';
import type { Logger } from './logger';
import { guardCovered, guardMassExpiry } from './plan/guard';
import { omitServices, planChanges } from './plan/plan';
import { PrefixBook, ScopeCoverage, WHOLE, type ReconcileScope } from './plan/scope';
import type { CurrentState, Plan } from './plan/types';
import { countOps, logNodeSummary } from './reconcile-log';
import type { Entity } from './kong/entities';
import { stateFromLists } from './kong/lists';
import { HoldReport } from './safety/hold-report';
import { QuarantineReport } from './safety/quarantine-report';
import { YieldReport } from './safety/yield-report';
import type { KongNode, NodeReport, ReconcileReport, ReconcilerDeps } from './reconcile-types';

/** What a node's plan is made against, beside the desired state. */
interface PlanContext {
  snapshot: StateSnapshot;
  now: number;
  /** The services a scoped reconcile covers; undefined for a whole one. */
  services: readonly string[] | undefined;
  /** Services a whole reconcile leaves out (covered by scoped ones while it read Kong). */
  excluded: ReadonlySet<string>;
  /** Runs a node's writes under the write lock (a scoped reconcile holds it already). */
  gate: <T>(write: () => Promise<T>) => Promise<T>;
  /** Services scoped reconciles covered after the plan was made: their writes are dropped. */
  lateCovered: () => ReadonlySet<string>;
}

/** A node's mode and current state, or why they could not be read. */
type NodeRead = { mode: 'db' | 'dbless'; current: CurrentState } | { error: unknown };

/**
 * Whether reading `scoped` services on their own costs Kong fewer requests than reading
 * everything: a scoped read lists 4 collections and the targets per service; a whole read lists
 * 8 collections and the targets per service of the `known` ones.
 */
function cheaperScoped(scoped: number, known: number): boolean {
  return scoped * 5 < known + 8;
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
  private readonly quarantine: QuarantineReport;
  private readonly holds: HoldReport;
  private readonly yields: YieldReport;
  /** Every service's prefix, to tell whether a scoped reconcile is exact. */
  private readonly prefixes = new PrefixBook();
  /** Per node, the unmanaged entities of its last whole read (a scoped read has none). */
  private readonly unmanagedOf = new Map<string, Entity[]>();
  /** Whole reconciles, one at a time. */
  private readonly wholes = new Serial();
  /** Planning and writing (a scoped reconcile, or a whole one after its reads), one at a time. */
  private readonly writing = new Serial();
  /** What per-service reconciles covered: whole ones leave it out (see reconcile()). */
  private readonly coverage = new ScopeCoverage();
  /** Paces whole reads after the first successful reconcile (`readRate`). */
  private readonly pacer: Pacer | undefined;
  private ready = false;

  constructor(private readonly deps: ReconcilerDeps) {
    this.pacer = deps.readRate ? new Pacer(deps.readRate) : undefined;
    this.quarantine = new QuarantineReport(deps.logger, deps.metrics);
    this.holds = new HoldReport(deps.metrics);
    this.yields = new YieldReport();
  }

  /**
   * Reads and plans everything, or only the services of `scope` (./plan/scope.ts); applies when
   * `apply` is true. A scope falls back to everything when it cannot be exact: before the first
   * whole reconcile, with a node that is not in DB mode (a DB-less push is always whole), when a
   * whole read would cost Kong fewer requests, or when a prefix is shared with a service outside.
   *
   * Whole reconciles run one at a time, and so do scoped ones; a scoped one may run while a whole
   * one reads Kong (a periodic one's reads are paced over seconds, `readRate`) and plans, but
   * never while it writes. The whole one leaves out the services a scoped one covered since it
   * began: what it read of them may be older than what was written, and the scoped one handled
   * them from newer data. Every other service was written by nobody meanwhile, so its plan is
   * exact.
   */
  async reconcile({
    apply,
    scope = WHOLE,
    paced = false,
  }: {
    apply: boolean;
    scope?: ReconcileScope;
    /** A periodic drift check: its Kong reads go at `readRate` (after the first success). */
    paced?: boolean;
  }): Promise<ReconcileReport> {
    const services = this.scopedServices(scope);
    if (services) {
      const report = await this.writing.run(() => this.run(apply, services, false));
      if (report) return report;
    }
    return this.wholes.run(async () => (await this.run(apply, undefined, paced))!);
  }

  /** One reconcile; undefined when a scoped one has to be widened to everything. */
  private async run(
    apply: boolean,
    services: readonly string[] | undefined,
    paced: boolean,
  ): Promise<ReconcileReport | undefined> {
    const started = Date.now();
    const began = this.coverage.mark();
    if (services) this.coverage.cover(services);
    // Kong is read while the registry snapshot is on its way: neither read depends on the other.
    // A node whose applier may prove it still holds the desired state is read only if it cannot.
    const pace = paced && this.ready ? this.pacer : undefined;
    // The reads never reject; awaited on every path, so none outlives this reconcile.
    const reads = Promise.all(
      this.deps.nodes.map((node) =>
        apply && !services && node.applier?.holds
          ? Promise.resolve(undefined)
          : this.readNode(node, services, pace),
      ),
    );
    let snapshot: StateSnapshot;
    let now: Date;
    let desired: DesiredState;
    try {
      snapshot = await this.deps.registry.getState(services);
      const widen = services && this.widening(services, snapshot);
      if (widen) {
        this.deps.logger.info({ scope: services, why: widen }, 'scoped reconcile widened to all');
        await reads;
        return undefined;
      }
      this.noteRevision(snapshot.revision);
      now = this.deps.now?.() ?? new Date();
      const unsafeTargets = (await this.deps.selfProtection?.unsafeTargets(snapshot)) ?? [];
      this.quarantine.report(unsafeTargets, services);
      desired = buildDesiredState(snapshot, {
        ownershipTag: this.deps.ownershipTag,
        now,
        unsafeTargets,
        ...(this.deps.telemetry ? { telemetry: this.deps.telemetry } : {}),
      });
      this.prefixes.record(snapshot);
    } catch (err) {
      await reads;
      throw err;
    }
    const read = await reads;
    // Rendering and hashing the whole state costs as much as a push's rendering: only DB-less
    // nodes use it, and only once per reconcile.
    let hash: string | undefined;
    const desiredHash = (): string => (hash ??= desiredStateHash(desired.state));
    for (const failure of desired.failures) {
      this.deps.logger.warn(failure, 'registry object quarantined: cannot be translated');
    }
    // A whole reconcile plans outside the write lock, leaving out the services scoped ones
    // covered since it began, and takes the lock only to write: what a scoped one covers between
    // the plan and the write is dropped from the write too.
    const excluded = services ? new Set<string>() : this.coverage.since(began);
    const lateCovered = (): Set<string> => {
      const late = services ? new Set<string>() : this.coverage.since(began);
      for (const service of excluded) late.delete(service);
      return late;
    };
    const gate = <T>(write: () => Promise<T>): Promise<T> =>
      services ? write() : this.writing.run(write);
    const nodes = await Promise.all(
      this.deps.nodes.map((node, i) =>
        this.reconcileNode(
          node,
          read[i],
          { ...desired, hash: desiredHash },
          { snapshot, now: now.getTime(), services, excluded, gate, lateCovered },
          apply,
        ),
      ),
    );
    const left = new Set([...excluded, ...lateCovered()]);
    if (left.size > 0)
      this.deps.logger.debug(
        { services: [...left].sort() },
        'left to the per-service reconciles that ran during this one',
      );
    this.holds.report(
      nodes.map((n) => n.held),
      services,
      left,
    );
    if (!services) this.coverage.forget(began);
    const ok = nodes.every((n) => !n.error && (n.result?.errors.length ?? 0) === 0);
    if (ok && !services) this.ready = true;
    return {
      revision: snapshot.revision,
      ...(services ? { scope: [...services] } : {}),
      snapshot,
      desired,
      failures: desired.failures,
      nodes,
      ok,
      applied: apply,
      durationMs: Date.now() - started,
    };
  }

  /** Why a scoped snapshot cannot be planned on its own, or undefined when it can. */
  private widening(services: readonly string[], snapshot: StateSnapshot): string | undefined {
    // A registry older than scoped reads ignores ?service= and sends everything.
    if (!snapshot.scope) return 'the registry does not support scoped reads';
    const shared = this.prefixes.sharedWith(snapshot);
    if (shared.length > 0)
      return `a prefix of ${services.join(', ')} is also claimed by ${shared.join(', ')}`;
    return undefined;
  }

  /** The services of a scope that can be reconciled on their own; undefined for everything. */
  private scopedServices(scope: ReconcileScope): string[] | undefined {
    if (scope.kind === 'all') return undefined;
    const services = [...new Set(scope.services)].sort();
    const exact =
      services.length > 0 &&
      services.length <= STATE_SCOPE_MAX_SERVICES &&
      cheaperScoped(services.length, this.prefixes.size) &&
      this.prefixes.ready &&
      this.deps.nodes.every((node) => node.mode === 'db' && this.unmanagedOf.has(node.url));
    return exact ? services : undefined;
  }

  /**
   * Mode and current state of one node, of everything or of `services` only; never rejects (the
   * failure is reported per node). A whole read's unmanaged entities are kept for the scoped
   * reads that follow it.
   */
  private async readNode(
    node: KongNode,
    services?: readonly string[],
    pace?: Pacer,
  ): Promise<NodeRead> {
    const { ownershipTag, applyConcurrency } = this.deps;
    try {
      const mode = await this.resolveMode(node);
      if (services) {
        const lists = await readServiceLists(node.client, ownershipTag, services);
        const { managed } = splitByOwnership(stateFromLists(lists), ownershipTag);
        return { mode, current: { managed, unmanaged: this.unmanagedOf.get(node.url) ?? [] } };
      }
      const current = await readCurrentState(node.client, ownershipTag, applyConcurrency, pace);
      // A DB-less push carries the base file too: its plugins are hand-made ones from the start.
      if (mode === 'dbless' && this.deps.dblessBase)
        current.unmanaged.push(...baseGlobalPlugins(this.deps.dblessBase));
      this.unmanagedOf.set(node.url, current.unmanaged);
      return { mode, current };
    } catch (error) {
      return { error };
    }
  }

  private async reconcileNode(
    node: KongNode,
    done: NodeRead | undefined,
    desired: DesiredState & { hash: () => string },
    at: PlanContext,
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
      if (!done && (await node.applier?.holds?.(desired.hash()))) {
        // The node holds what was pushed for this very desired state: nothing to read or plan.
        report.mode = 'dbless';
        report.plan = {
          ops: [],
          conflicts: [],
          quarantined: { services: [], consumers: [] },
          yielded: [],
        };
        report.result = { applied: [], errors: [], writes: 0, skipped: true };
      } else {
        const read = done ?? (await this.readNode(node));
        if ('error' in read) throw read.error;
        const { mode } = read;
        const current =
          at.excluded.size > 0
            ? { ...read.current, managed: omitServices(read.current.managed, at.excluded) }
            : read.current;
        const want =
          at.excluded.size > 0
            ? { ...desired, state: omitServices(desired.state, at.excluded) }
            : desired;
        report.mode = mode;
        report.current = current;
        const plan = planChanges(want, current);
        const guarded = this.guard(node.url, plan, current, at);
        report.plan = { ...plan, ops: guarded.ops };
        report.held = guarded.held;
        for (const conflict of plan.conflicts)
          log.warn(conflict, 'service quarantined: conflicts with an unmanaged Kong entity');
        this.yields.report(node.url, plan.yielded, at.services, log);
        for (const held of guarded.held) log.warn(held, 'mass expiry: holding target removals');
        if (guarded.held.length > 0) this.deps.metrics?.massExpiryHolds.inc();
        // A scoped plan sees only its own services' quarantine.
        if (!at.services) this.deps.metrics?.quarantined.set(plan.quarantined.services.length);
        if (apply) {
          const applier = this.applierFor(node, mode, log);
          const planned = report.plan;
          report.result = await at.gate(() => {
            const late = at.lateCovered();
            const ops =
              late.size > 0
                ? planned.ops.filter((op) => op.service === undefined || !late.has(op.service))
                : planned.ops;
            // Only a plan that carries the whole desired state may later vouch for it.
            const whole =
              at.excluded.size === 0 &&
              late.size === 0 &&
              guarded.held.length === 0 &&
              plan.conflicts.length === 0 &&
              plan.quarantined.services.length === 0 &&
              plan.quarantined.consumers.length === 0 &&
              plan.yielded.length === 0 &&
              desired.failures.length === 0;
            return applier.apply({
              plan: { ...planned, ops },
              current,
              ...(whole && applier.holds ? { desiredHash: desired.hash() } : {}),
            });
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
          countOps(this.deps.metrics, report.result);
        }
      }
    } catch (err) {
      report.error = describeError(err);
      log.error(errorLogFields(err), 'reconcile of node failed');
    }
    report.durationMs = Date.now() - started;
    logNodeSummary(log, report, { revision: desired.revision, scope: at.services }, apply);
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

  private guard(nodeUrl: string, plan: Plan, current: CurrentState, at: PlanContext) {
    const targetCounts = new Map<string, number>();
    for (const target of current.managed.target.values()) {
      if (target.service !== undefined)
        targetCounts.set(target.service, (targetCounts.get(target.service) ?? 0) + 1);
    }
    let memory = this.unexplainedSince.get(nodeUrl);
    if (!memory) this.unexplainedSince.set(nodeUrl, (memory = new Map()));
    const input = {
      ops: plan.ops,
      targetCounts,
      snapshot: at.snapshot,
      now: at.now,
      options: this.deps.guard,
    };
    if (!at.services && at.excluded.size === 0)
      return guardMassExpiry({ ...input, unexplainedSince: memory });
    const inScope = at.services ? new Set(at.services) : undefined;
    return guardCovered(input, memory, (service) =>
      inScope ? inScope.has(service) : !at.excluded.has(service),
    );
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
}
