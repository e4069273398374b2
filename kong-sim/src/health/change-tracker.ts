/**
 * What the health registry needs to know about store changes, kept incrementally: the targets of
 * each upstream and which upstreams changed since the last sync. Rebuilding this from full scans
 * on every write made each Admin API write O(upstreams x targets) (bench/profiles/kong-sim-scale.md).
 */
import type { StoreChange, StoreReader, TargetEntity, Uuid } from '../store/types';
import { parseTargetAddress } from './target-address';

/** Changes collected since the last {@link ChangeTracker.take}. */
export interface PendingChanges {
  /** Upstreams whose row or targets changed (created, updated or deleted). */
  upstreams: ReadonlySet<Uuid>;
  /** Hostnames of targets written since the last take (to resolve before the first request). */
  hosts: ReadonlySet<string>;
}

/** Mirrors targets per upstream from the store's change events and collects dirty upstreams. */
export class ChangeTracker {
  private readonly targetsByUpstream = new Map<Uuid, Map<Uuid, TargetEntity>>();
  private dirty = new Set<Uuid>();
  private hosts = new Set<string>();
  private any = false;

  /** Seeds the mirror from the store's current content; everything counts as changed. */
  constructor(store: StoreReader) {
    for (const upstream of store.list('upstreams')) this.dirty.add(upstream.id);
    for (const target of store.list('targets')) this.addTarget(target);
    this.any = true;
  }

  /** Applies one committed store change. */
  note(change: StoreChange): void {
    this.any = true;
    if (change.kind === 'upstreams') {
      this.dirty.add(change.entity.id);
      return;
    }
    if (change.kind !== 'targets') return;
    if (change.previous) this.removeTarget(change.previous);
    if (change.op === 'delete') this.removeTarget(change.entity);
    else this.addTarget(change.entity);
  }

  /** The targets of one upstream, ordered by id like the store lists them. */
  targetsOf(upstreamId: Uuid): TargetEntity[] {
    const own = this.targetsByUpstream.get(upstreamId);
    if (!own) return [];
    return [...own.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Returns what changed since the last call (undefined: nothing) and starts collecting afresh. */
  take(): PendingChanges | undefined {
    if (!this.any) return undefined;
    const pending = { upstreams: this.dirty, hosts: this.hosts };
    this.dirty = new Set();
    this.hosts = new Set();
    this.any = false;
    return pending;
  }

  private addTarget(target: TargetEntity): void {
    const upstreamId = target.upstream.id;
    let own = this.targetsByUpstream.get(upstreamId);
    if (!own) {
      own = new Map();
      this.targetsByUpstream.set(upstreamId, own);
    }
    own.set(target.id, target);
    this.dirty.add(upstreamId);
    this.hosts.add(parseTargetAddress(target.target).host);
  }

  private removeTarget(target: TargetEntity): void {
    const upstreamId = target.upstream.id;
    const own = this.targetsByUpstream.get(upstreamId);
    this.dirty.add(upstreamId);
    if (!own?.delete(target.id) || own.size > 0) return;
    this.targetsByUpstream.delete(upstreamId);
  }
}
