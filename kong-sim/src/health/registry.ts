import type {
  AddressHealth,
  HealthView,
  StoreReader,
  TargetEntity,
  TargetHealthState,
  Uuid,
} from '../store/types';
import { isHealthcheckingOn, UpstreamHealthChecker, type CheckerDeps } from './checker';
import { DnsCache } from './dns-cache';
import { parseTargetAddress } from './target-address';

/** What identifies a checker's configuration; timestamps are left out on purpose (see FIDELITY). */
function signatureOf(store: StoreReader, upstreamId: Uuid): string {
  const upstream = store.get('upstreams', upstreamId);
  const targets = store
    .list('targets')
    .filter((t) => t.upstream.id === upstreamId)
    .map((t) => `${t.id}|${t.target}|${t.weight}`)
    .sort();
  return JSON.stringify([upstream?.name, upstream?.host_header, upstream?.healthchecks, targets]);
}

/**
 * All health checkers of the node, kept in step with the store, and the {@link HealthView} the
 * Admin API reads. A checker exists only for upstreams with health checking on (facts §4.1 rule 4).
 */
export class HealthRegistry implements HealthView {
  private readonly checkers = new Map<
    Uuid,
    { signature: string; checker: UpstreamHealthChecker }
  >();
  private readonly dns = new DnsCache();
  private syncedVersion = -1;
  private closed = false;

  constructor(
    private readonly store: StoreReader,
    private readonly deps: CheckerDeps,
  ) {}

  /** Rebuilds the checkers whose upstream or targets changed since the last sync. */
  sync(): void {
    if (this.closed || this.syncedVersion === this.store.version) return;
    this.syncedVersion = this.store.version;
    this.dns.refreshAll();
    // Start lookups for new names now, so the first proxied request already has an answer.
    for (const target of this.store.list('targets'))
      this.dns.resolve(parseTargetAddress(target.target).host);
    const upstreams = this.store.list('upstreams');
    const wanted = new Set<Uuid>();
    for (const upstream of upstreams) {
      if (!isHealthcheckingOn(upstream.healthchecks)) continue;
      wanted.add(upstream.id);
      const signature = signatureOf(this.store, upstream.id);
      const existing = this.checkers.get(upstream.id);
      if (existing?.signature === signature) continue;
      existing?.checker.stop();
      const targets = this.store.list('targets').filter((t) => t.upstream.id === upstream.id);
      const checker = new UpstreamHealthChecker(upstream, targets, this.deps);
      checker.start();
      this.checkers.set(upstream.id, { signature, checker });
    }
    for (const [id, entry] of this.checkers) {
      if (!wanted.has(id)) {
        entry.checker.stop();
        this.checkers.delete(id);
      }
    }
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
    // A name that does not resolve leaves the balancer entry without addresses (facts §4.1 rule 1).
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
    for (const { checker } of this.checkers.values()) checker.stop();
    this.checkers.clear();
  }
}
