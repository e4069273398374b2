/**
 * Remembers why instances left, from registry events (`reason`: expired, deregistered, drained),
 * so the mass-expiry guard can tell a lease expiry from a deliberate deregistration.
 */
import type { RegistryEvent } from '@kong-registry/sdk';

const KEEP_MS = 15 * 60_000;

/** Recent removal reasons per `service/instanceId`. */
export class RemovalReasons {
  private readonly reasons = new Map<string, { reason: string; at: number }>();
  private seen = -1;

  constructor(private readonly now: () => number = Date.now) {}

  /** Records the reason carried by an instance event; other events are ignored. */
  record(event: RegistryEvent): void {
    if (event.revision > this.seen) this.seen = event.revision;
    if (!event.service || !event.instanceId) return;
    const key = `${event.service}/${event.instanceId}`;
    let reason = event.reason;
    if (!reason && event.type === 'instance.expired') reason = 'expired';
    if (!reason && event.type === 'instance.deregistered') reason = 'deregistered';
    if (event.type === 'instance.registered') {
      this.reasons.delete(key);
      return;
    }
    if (reason && (event.type === 'instance.expired' || event.type === 'instance.deregistered')) {
      this.reasons.set(key, { reason, at: this.now() });
    }
    this.prune();
  }

  /** The highest registry revision an event has carried so far; -1 before the first event. */
  get seenRevision(): number {
    return this.seen;
  }

  /** Why the instance left, if an event said so recently. */
  reasonOf(service: string, instanceId: string): string | undefined {
    return this.reasons.get(`${service}/${instanceId}`)?.reason;
  }

  private prune(): void {
    const cutoff = this.now() - KEEP_MS;
    for (const [key, value] of this.reasons) if (value.at < cutoff) this.reasons.delete(key);
  }
}
