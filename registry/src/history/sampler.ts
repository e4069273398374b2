import { errorCode, type ServiceView } from '@kong-registry/sdk';
import type { Clock } from '../instances/lease';
import type { Logger } from '../logger';
import { countServices, minuteOf, type ServiceCount } from './timeline';

/** What the sampler reads and writes; the registry passes its repository and HistoryStore. */
export interface SamplerIo {
  /** The state revision now (cheap: one GET). */
  revision(): Promise<number>;
  /** Every service with its instances, read atomically with its revision. */
  snapshot(): Promise<{ revision: number; services: readonly ServiceView[] }>;
  record(sample: { atMs: number; revision: number; services: ServiceCount[] }): Promise<number>;
}

/**
 * Samples instance counts into the shared history on a timer. Every replica runs one: the
 * history is correct whatever their number, because history-record.lua merges by revision and by
 * min/max, never by adding (a second replica's sample of the same state writes the same bucket).
 *
 * Cheap when nothing changes: the counts are a function of the state revision (every change to
 * an instance bumps it, heartbeats that only renew do not), so the snapshot is read again only
 * when the revision moved, and Redis is written again only for a new minute or a new revision.
 */
export class HistorySampler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  private failing = false;
  /** The counts of the last snapshot this replica read. */
  private counts: { revision: number; services: ServiceCount[] } | undefined;
  /** The minute and revision this replica last merged into Redis. */
  private written: { minute: number; revision: number } | undefined;

  constructor(
    private readonly io: SamplerIo,
    private readonly intervalMs: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** One sample; true when it wrote (false: this minute already has this revision from here). */
  async sampleOnce(): Promise<boolean> {
    const revision = await this.io.revision();
    if (this.counts?.revision !== revision) {
      const snapshot = await this.io.snapshot();
      this.counts = { revision: snapshot.revision, services: countServices(snapshot.services) };
    }
    const counts = this.counts;
    const atMs = this.clock();
    const minute = minuteOf(atMs);
    if (this.written?.minute === minute && this.written.revision === counts.revision) return false;
    await this.io.record({ atMs, revision: counts.revision, services: counts.services });
    this.written = { minute, revision: counts.revision };
    return true;
  }

  /** Starts sampling every interval (with jitter, so replicas spread out); 0 never starts. */
  start(): void {
    if (this.timer || this.stopped || this.intervalMs <= 0) return;
    const schedule = (delayMs: number): void => {
      this.timer = setTimeout(() => {
        this.running = this.sampleOnce().then(
          () => {
            if (this.failing) this.logger.info('history samples succeed again');
            this.failing = false;
          },
          (err: unknown) => {
            // Once per outage; data of a newer format is the schema watch's line to say.
            if (!this.failing && errorCode(err) !== 'REG_ERR_SCHEMA_TOO_NEW')
              this.logger.warn(
                { err: err instanceof Error ? err.message : String(err) },
                'history sample failed; retrying every interval',
              );
            this.failing = true;
          },
        );
        void this.running.finally(() => {
          this.running = undefined;
          if (!this.stopped) schedule(this.intervalMs + this.jitter());
        });
      }, delayMs);
      this.timer.unref();
    };
    // The first sample soon after start, so a new replica's page has a point at once.
    schedule(this.jitter());
  }

  private jitter(): number {
    return Math.floor(Math.random() * Math.min(1000, this.intervalMs / 4));
  }

  /** Stops the timer and waits for a sample in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
