/**
 * Which upstreams' health to read on each health-feedback tick. Reading `/upstreams/{u}/health`
 * of every upstream on every tick costs Kong one request per service per tick (500/s at 5,000
 * services and a 10 s tick). Most of them are settled and stay so; what moves is what just
 * changed. So each tick reads:
 * - the services changed in the last `settleMs` (their new targets take a few probe intervals to
 *   be judged),
 * - the services whose last read was not settled (a target not HEALTHY, or no upstream yet),
 * - and the next slice of all services, round robin, sized so every service is read once per
 *   `fullMs`: a target that goes bad with nothing changing in the registry (a hung process) is
 *   seen within that time.
 * Pure: the caller passes the clock's readings.
 */

/** Most services one reconcile may add to the closer watch. */
export const MOST_WATCHED = 100;

/** Statuses after which an instance needs no closer watch. */
const SETTLED: ReadonlySet<string> = new Set(['HEALTHY', 'HEALTHCHECKS_OFF']);

/** Timing of the rounds. */
export interface HealthRoundsOptions {
  /** Period of the feedback ticks. */
  tickMs: number;
  /** Every service is read at least once in this time. */
  fullMs: number;
  /** How long a changed service is read on every tick. */
  settleMs: number;
}

export class HealthRounds {
  private readonly changedAt = new Map<string, number>();
  private readonly unsettled = new Set<string>();
  private cursor = 0;

  constructor(private readonly options: HealthRoundsOptions) {}

  /**
   * Services a reconcile wrote. A reconcile that wrote more than {@link MOST_WATCHED} (a first
   * sync, a Kong restarted empty) is left to the round robin: reading all of them on every tick
   * for `settleMs` is the load the rounds exist to avoid.
   */
  changed(services: readonly string[], now: number): void {
    if (services.length > MOST_WATCHED) return;
    for (const service of services) this.changedAt.set(service, now);
  }

  /**
   * What a read found, per service read: the statuses of its targets, or undefined when its
   * upstream could not be read.
   */
  observed(results: ReadonlyMap<string, readonly string[] | undefined>): void {
    for (const [service, statuses] of results) {
      const settled =
        statuses !== undefined &&
        statuses.length > 0 &&
        statuses.every((status) => SETTLED.has(status));
      if (settled) this.unsettled.delete(service);
      else this.unsettled.add(service);
    }
  }

  /** The services to read on this tick, given every service there is (sorted by the caller). */
  next(all: readonly string[], now: number): string[] {
    const exists = new Set(all);
    const due = new Set<string>();
    for (const [service, at] of this.changedAt) {
      if (now - at > this.options.settleMs) this.changedAt.delete(service);
      else if (exists.has(service)) due.add(service);
    }
    for (const service of this.unsettled) {
      if (exists.has(service)) due.add(service);
      else this.unsettled.delete(service);
    }
    const ticksPerRound = Math.max(1, Math.floor(this.options.fullMs / this.options.tickMs));
    const slice = Math.ceil(all.length / ticksPerRound);
    if (this.cursor >= all.length) this.cursor = 0;
    for (let i = 0; i < slice && i < all.length; i++) {
      due.add(all[(this.cursor + i) % all.length]!);
    }
    this.cursor += slice;
    return [...due].sort();
  }
}
