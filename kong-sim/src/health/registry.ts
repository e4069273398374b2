import type {
  AddressHealth,
  HealthView,
  StoreReader,
  TargetEntity,
  TargetHealthState,
  UpstreamEntity,
  Uuid,
} from '../store/types';
import { ChangeTracker } from './change-tracker';
import {
  checkerRefusal,
  isHealthcheckingOn,
  UpstreamHealthChecker,
  type CheckerDeps,
} from './checker';
import { DnsCache } from './dns-cache';
import { parseTargetAddress } from './target-address';

/** What identifies a checker's configuration; timestamps are left out on purpose (see FIDELITY). */
function signatureOf(upstream: UpstreamEntity, targets: readonly TargetEntity[]): string {
  const rows = targets.map((t) => `${t.id}|${t.target}|${t.weight}`).sort();
  return JSON.stringify([upstream.name, upstream.host_header, upstream.healthchecks, rows]);
}

/**
 * All health checkers of the node, kept in step with the store, and the {@link HealthView} the
 * Admin API reads. A checker exists only for upstreams with health checking on
 * (K:kong/runloop/balancer/healthcheckers.lua `is_upstream_using_healthcheck`).
 * Store changes are tracked as they happen, so a sync only revisits the upstreams that changed.
 */
export class HealthRegistry implements HealthView {
  private readonly checkers = new Map<
    Uuid,
    { signature: string; checker: UpstreamHealthChecker }
  >();
  private readonly dns = new DnsCache();
  private readonly changes: ChangeTracker;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly store: StoreReader,
    private readonly deps: CheckerDeps,
  ) {
    this.changes = new ChangeTracker(store);
    this.unsubscribe = store.onChange((change) => this.changes.note(change));
  }

  /** Rebuilds the checkers whose upstream or targets changed since the last sync. */
  sync(): void {
    if (this.closed) return;
    // Proxied requests call this too: without changes it must cost next to nothing.
    const pending = this.changes.take();
    if (!pending) return;
    // Names are looked up again on every configuration change (see DnsCache).
    this.dns.refreshAll();
    // Start lookups for new names now, so the first proxied request already has an answer.
    for (const host of pending.hosts) this.dns.resolve(host);
    for (const upstreamId of pending.upstreams) this.resync(upstreamId);
  }

  /**
   * Makes one upstream's checker match the store: none, unchanged, or rebuilt
   * (kong-sim/KONG_BEHAVIOUR.md#manual-overrides-and-checker-lifetime).
   */
  private resync(upstreamId: Uuid): void {
    const upstream = this.store.get('upstreams', upstreamId);
    const existing = this.checkers.get(upstreamId);
    if (!upstream || !isHealthcheckingOn(upstream.healthchecks)) {
      existing?.checker.stop();
      this.checkers.delete(upstreamId);
      return;
    }
    const targets = this.changes.targetsOf(upstreamId);
    const signature = signatureOf(upstream, targets);
    if (existing?.signature === signature) return;
    existing?.checker.stop();
    const refusal = checkerRefusal(upstream.healthchecks);
    if (refusal) {
      this.checkers.delete(upstreamId);
      this.deps.logger.error(
        { upstream: upstream.name },
        `[healthchecks] error creating health checker: ${refusal}`,
      );
      return;
    }
    const checker = new UpstreamHealthChecker(upstream, targets, this.deps);
    checker.start();
    this.checkers.set(upstreamId, { signature, checker });
  }

  /** The configuration signature of every live checker by upstream id (tests compare registries). */
  checkerSignatures(): ReadonlyMap<Uuid, string> {
    this.sync();
    return new Map([...this.checkers].map(([id, entry]) => [id, entry.signature]));
  }

  /** The live checker of an upstream, if health checking is on for it. */
  checkerFor(upstreamId: Uuid): UpstreamHealthChecker | undefined {
    this.sync();
    return this.checkers.get(upstreamId)?.checker;
  }

  /** What the balancer asks for one upstream: checker health plus whether the name resolves. */
  peerHealth(upstreamId: Uuid): {
    isHealthy(targetId: Uuid): boolean;
    hasAddresses(target: TargetEntity): boolean;
  } {
    const checker = this.checkerFor(upstreamId);
    return {
      isHealthy: (targetId) => checker?.isHealthy(targetId) ?? true,
      hasAddresses: (target) => {
        const resolution = this.dns.resolve(parseTargetAddress(target.target).host);
        return !(resolution && 'error' in resolution);
      },
    };
  }

  /** {@inheritDoc HealthView.isHealthcheckingOn} */
  isHealthcheckingOn(upstreamId: Uuid): boolean {
    const upstream = this.store.get('upstreams', upstreamId);
    return upstream !== undefined && isHealthcheckingOn(upstream.healthchecks);
  }

  /** {@inheritDoc HealthView.targetHealth} */
  targetHealth(
    upstreamId: Uuid,
    target: TargetEntity,
  ): { health: TargetHealthState; addresses: AddressHealth[] } {
    const checker = this.checkerFor(upstreamId);
    let health: AddressHealth['health'] = 'HEALTHCHECKS_OFF';
    if (checker && target.weight > 0 && checker.tracks(target.id)) {
      health = checker.isHealthy(target.id) ? 'HEALTHY' : 'UNHEALTHY';
    }
    const { host, port } = parseTargetAddress(target.target);
    const resolution = this.dns.resolve(host);
    // A name that does not resolve leaves the balancer entry without addresses: DNS_ERROR
    // (K:kong/db/dao/targets.lua `page_for_upstream_with_health`).
    if (resolution && 'error' in resolution) return { health: 'DNS_ERROR', addresses: [] };
    const ips = resolution?.ips ?? [host];
    return { health, addresses: ips.map((ip) => ({ ip, port, weight: target.weight, health })) };
  }

  /** {@inheritDoc HealthView.setTargetHealth} */
  setTargetHealth(upstreamId: Uuid, target: TargetEntity, healthy: boolean): boolean {
    const checker = this.checkerFor(upstreamId);
    if (!checker) return false;
    checker.setHealthy(target.id, healthy);
    return true;
  }

  /** Stops every checker; the registry stays inert afterwards. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const { checker } of this.checkers.values()) checker.stop();
    this.checkers.clear();
  }
}
