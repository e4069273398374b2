/**
 * The I/O around protected-endpoints.ts: learns what each managed Kong node listens on (`GET /`)
 * and resolves names, so every reconcile can leave out instances whose target would reach a Kong
 * Admin or status API. Names are resolved again once their short cache runs out, so a name that
 * was safe at registration and now points at Kong (DNS rebinding) is caught by the next reconcile,
 * and at the latest by the periodic full resync.
 */
import { AddressResolver, canonicalHost, type StateSnapshot } from '@kong-registry/sdk';
import { isIP } from 'node:net';
import type { KongAdminClient } from '../admin-api/client';
import { forEachLimited } from '../apply/concurrency';
import {
  findUnsafeTargets,
  protectedEndpointsOf,
  type KongListenerConfig,
  type ProtectedEndpoint,
  type UnsafeTarget,
} from './protected-endpoints';

/** A managed Kong node as far as protection goes. */
export interface ProtectedNode {
  url: string;
  client: Pick<KongAdminClient, 'get'>;
}

export interface SelfProtectionOptions {
  nodes: readonly ProtectedNode[];
  /**
   * Resolves instance and node names. The default keeps answers 5 s and holds a fleet's worth of
   * names (every reconcile asks for all of them).
   */
  names?: AddressResolver;
  clock?: () => number;
  /** How long a node's listeners are reused before `GET /` is read again. @default 60000 */
  listenersTtlMs?: number;
  /** Lookups in flight at once. @default 10 */
  concurrency?: number;
}

interface Cached<T> {
  value: T;
  until: number;
}

export class KongSelfProtection {
  private readonly endpoints = new Map<string, Cached<ProtectedEndpoint[]>>();
  private readonly names: AddressResolver;
  private readonly clock: () => number;

  constructor(private readonly options: SelfProtectionOptions) {
    this.clock = options.clock ?? Date.now;
    this.names = options.names ?? new AddressResolver({ maxNames: 100_000 });
  }

  /** Instances of the snapshot whose target is a managed Kong node's Admin or status API. */
  async unsafeTargets(snapshot: StateSnapshot): Promise<UnsafeTarget[]> {
    const instances = snapshot.services.flatMap((s) => s.instances);
    const endpoints = (
      await Promise.all(this.options.nodes.map((node) => this.endpointsOf(node)))
    ).flat();
    // Each distinct host once; only names wait for the resolver (a fleet is mostly IPs).
    const addresses = new Map<string, string[]>();
    const names: string[] = [];
    for (const host of new Set(instances.map((i) => i.host))) {
      const canonical = canonicalHost(host);
      if (isIP(canonical) !== 0) addresses.set(host, [canonical]);
      else names.push(host);
    }
    await forEachLimited(names, this.options.concurrency ?? 10, async (name) => {
      addresses.set(name, await this.names.addressesOf(name));
    });
    return findUnsafeTargets(instances, (host) => addresses.get(host) ?? [], endpoints);
  }

  /** A node's protected endpoints; on a failed `GET /`, its Admin URL alone (retried next time). */
  private async endpointsOf(node: ProtectedNode): Promise<ProtectedEndpoint[]> {
    const now = this.clock();
    const cached = this.endpoints.get(node.url);
    if (cached && cached.until > now) return cached.value;
    const url = new URL(node.url);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const addresses = await this.names.addressesOf(url.hostname);
    let config: KongListenerConfig | undefined;
    try {
      config = (await node.client.get<{ configuration?: KongListenerConfig }>('/')).configuration;
    } catch {
      config = undefined;
    }
    const value = protectedEndpointsOf(node.url, addresses, port, config);
    if (config)
      this.endpoints.set(node.url, { value, until: now + (this.options.listenersTtlMs ?? 60_000) });
    return value;
  }
}
