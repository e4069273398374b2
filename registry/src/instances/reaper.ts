import { errorCode } from '@kong-registry/sdk';
import type { RegistryErrorCode } from '../errors';
import type { Logger } from '../logger';
import type { RegistryMetrics } from '../metrics';
import type { Clock } from './lease';
import type { RedisInstanceRepository } from './repository';

/** A pass refused because the stored data is of a newer format. */
const SCHEMA_REFUSED: RegistryErrorCode = 'REG_ERR_SCHEMA_TOO_NEW';

/**
 * Removes instances whose lease ran out or whose drain ended. Every replica runs one; the reap
 * script is atomic, so when two replicas race each expiry is removed (and announced) once.
 */
export class Reaper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failing = false;

  constructor(
    private readonly repository: RedisInstanceRepository,
    private readonly options: { intervalMs: number; batchSize: number },
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics?: RegistryMetrics,
  ) {}

  /** One pass: reaps until nothing is due (in batches). Returns what was removed. */
  async reapOnce(): Promise<string[]> {
    const removed: string[] = [];
    for (;;) {
      const batch = await this.repository.reap(this.clock(), this.options.batchSize);
      for (const row of batch) {
        const [service, instanceId, reason] = row.split('/');
        this.logger.info(
          { service, instanceId, reason },
          reason === 'drained' ? 'drained instance removed' : 'lease expired: instance removed',
        );
        this.metrics?.reaped.inc({ reason: reason ?? 'expired' });
      }
      removed.push(...batch);
      if (batch.length < this.options.batchSize) return removed;
    }
  }

  /** Starts the periodic pass (with jitter, so replicas spread out). */
  start(): void {
    if (this.timer || this.stopped) return;
    const schedule = (): void => {
      const jitter = Math.floor(Math.random() * Math.min(250, this.options.intervalMs / 4));
      this.timer = setTimeout(() => {
        this.running = this.reapOnce().then(
          () => {
            if (this.failing) this.logger.info('reaper passes succeed again');
            this.failing = false;
          },
          (err: unknown) => {
            // Once per outage, not once per interval: Redis being down is already logged. Data
            // of a newer format is the schema watch's line to say (./schema-watch.ts).
            if (!this.failing && errorCode(err) !== SCHEMA_REFUSED) {
              this.logger.warn(
                { err: err instanceof Error ? err.message : String(err) },
                'reaper pass failed; retrying every interval',
              );
            }
            this.failing = true;
          },
        );
        void this.running.finally(() => {
          this.running = undefined;
          if (!this.stopped) schedule();
        });
      }, this.options.intervalMs + jitter);
      this.timer.unref();
    };
    schedule();
  }

  /** Stops the timer and waits for a pass in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
