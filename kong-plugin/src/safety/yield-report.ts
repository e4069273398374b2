/**
 * Says once per Kong node that one of our telemetry plugins gives way to a hand-made one
 * (plan/yields.ts), and again only after it stopped and started again: the setting then has no
 * effect there, which an operator should hear about, but not on every resync. A per-service
 * reconcile sees only its own services' plugins, so it keeps what it cannot see.
 */
import type { Logger } from '../logger';
import type { YieldedPlugin } from '../plan/yields';

export class YieldReport {
  /** Per node: our plugins reported as yielding, by id, with their service (none: global). */
  private readonly reported = new Map<string, Map<string, string | undefined>>();

  /** The yields of one node's plan, of everything or of `services` only. */
  report(
    node: string,
    yielded: readonly YieldedPlugin[],
    services: readonly string[] | undefined,
    log: Logger,
  ): void {
    const before = this.reported.get(node) ?? new Map<string, string | undefined>();
    const inScope = services ? new Set(services) : undefined;
    const now = new Map<string, string | undefined>();
    if (inScope) {
      for (const [id, service] of before)
        if (service === undefined || !inScope.has(service)) now.set(id, service);
    }
    for (const y of yielded) {
      now.set(y.id, y.service);
      if (before.has(y.id)) continue;
      const scope = y.service ? `service ${y.service}` : 'the global scope';
      log.info(
        { plugin: y.name, handMade: y.entity },
        `a hand-made ${y.plugin} plugin holds ${scope}: ours is left out there`,
      );
    }
    this.reported.set(node, now);
  }
}
