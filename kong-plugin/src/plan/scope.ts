/**
 * A per-service reconcile: when events name the services that changed, the controller reads and
 * writes only their entities (registry `GET /v1/state?service=...`, Kong lists filtered by the
 * service's tag) instead of everything. Pure.
 *
 * A scoped plan equals the whole plan restricted to those services as long as nothing outside the
 * scope takes part in the decision. Entities are already per service (each carries its service's
 * tag), and so are the mass-expiry guard's counts; the one decision across services is who gets a
 * prefix that two services claim (the first by name, desired/build.ts). So a scope touching a
 * prefix that another service claims, or claimed last time, is widened to a whole reconcile:
 * the registry refuses such a claim, so this only happens with hand-written or migrated data.
 */
import { servicePrefixes, type StateSnapshot } from '@kong-registry/sdk';

/** What one reconcile covers: everything, or the named services only. */
export type ReconcileScope = { kind: 'all' } | { kind: 'services'; services: readonly string[] };

/** A reconcile of everything. */
export const WHOLE: ReconcileScope = { kind: 'all' };

/**
 * Every service's prefixes as last read from the registry: from each whole snapshot, and patched
 * by each scoped one. It answers "does this scope share a prefix with a service outside it?".
 */
export class PrefixBook {
  private readonly prefixOf = new Map<string, string[]>();
  private known = false;

  /** Number of services known. */
  get size(): number {
    return this.prefixOf.size;
  }

  /** True once a whole snapshot has been recorded: before that, no scope can be checked. */
  get ready(): boolean {
    return this.known;
  }

  /** Records a snapshot: a whole one replaces the book, a scoped one rewrites its services. */
  record(snapshot: Pick<StateSnapshot, 'services' | 'scope'>): void {
    if (snapshot.scope) for (const name of snapshot.scope) this.prefixOf.delete(name);
    else this.prefixOf.clear();
    for (const view of snapshot.services) {
      // A route-less service claims no prefix.
      const prefixes = servicePrefixes(view.definition);
      if (prefixes.length > 0) this.prefixOf.set(view.name, prefixes);
    }
    if (!snapshot.scope) this.known = true;
  }

  /**
   * Services outside the scope that claim a prefix the scope's services claim now (`scoped`, a
   * snapshot of just them) or claimed before: empty when the scoped plan is exact.
   */
  sharedWith(scoped: Pick<StateSnapshot, 'services' | 'scope'>): string[] {
    const inScope = new Set(scoped.scope ?? scoped.services.map((v) => v.name));
    const prefixes = new Set<string>();
    for (const name of inScope)
      for (const before of this.prefixOf.get(name) ?? []) prefixes.add(before);
    for (const view of scoped.services)
      for (const prefix of servicePrefixes(view.definition)) prefixes.add(prefix);
    const shared: string[] = [];
    for (const [name, theirs] of this.prefixOf) {
      if (!inScope.has(name) && theirs.some((prefix) => prefixes.has(prefix))) shared.push(name);
    }
    return shared.sort();
  }
}

/**
 * Which services per-service reconciles covered, in order. A whole reconcile takes a mark when
 * it begins and leaves out what was covered after it: what it read of those may be older than
 * what they wrote.
 */
export class ScopeCoverage {
  private count = 0;
  private readonly coveredAt = new Map<string, number>();

  /** A mark to compare later coverage with. */
  mark(): number {
    return this.count;
  }

  /** A per-service reconcile covers `services`. */
  cover(services: readonly string[]): void {
    this.count += 1;
    for (const service of services) this.coveredAt.set(service, this.count);
  }

  /** The services covered after `mark`. */
  since(mark: number): Set<string> {
    const covered = new Set<string>();
    for (const [service, at] of this.coveredAt) if (at > mark) covered.add(service);
    return covered;
  }

  /** Forgets what was covered up to `mark` (a whole reconcile since then has handled it). */
  forget(mark: number): void {
    for (const [service, at] of this.coveredAt) if (at <= mark) this.coveredAt.delete(service);
  }
}
