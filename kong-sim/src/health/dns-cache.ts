import { lookup } from 'node:dns';
import { isIP } from 'node:net';

/** What is known about a target hostname: its addresses, a resolution error, or nothing yet. */
export type Resolution = { ips: string[] } | { error: string } | undefined;

/**
 * Resolves target hostnames in the background so the health view can show addresses and
 * `DNS_ERROR` the way Kong does (K:kong/db/dao/targets.lua `page_for_upstream_with_health`), while
 * every read stays synchronous. IPs resolve to themselves. Names are looked up again whenever the configuration changes (no TTL tracking);
 * the previous answer stays visible until the new one arrives.
 */
export class DnsCache {
  private readonly results = new Map<string, Resolution>();
  private readonly pending = new Set<string>();

  /** What is known now; starts a lookup when nothing is. */
  resolve(host: string): Resolution {
    if (isIP(host)) return { ips: [host] };
    const known = this.results.get(host);
    if (known === undefined) this.refresh(host);
    return known;
  }

  /** Looks every known name up again in the background. */
  refreshAll(): void {
    for (const host of this.results.keys()) this.refresh(host);
  }

  private refresh(host: string): void {
    if (this.pending.has(host)) return;
    this.pending.add(host);
    lookup(host, { all: true }, (err, addresses) => {
      this.pending.delete(host);
      if (err) this.results.set(host, { error: err.code ?? err.message });
      else if (addresses.length === 0) this.results.set(host, { error: 'no addresses' });
      else this.results.set(host, { ips: addresses.map((a) => a.address) });
    });
  }
}
