/** What one probe result changed. */
export type HealthTransition = 'became-healthy' | 'became-unhealthy' | undefined;

/** Where the gate stands: `unknown` until a threshold is first reached. */
export type HealthStatus = 'unknown' | 'healthy' | 'unhealthy';

/**
 * Pure hysteresis over probe results, like Kong's own active health checks: `unhealthy`
 * consecutive failures flip it to unhealthy, `healthy` consecutive successes flip it back. One
 * slow answer does not pull an instance out of rotation; a dead one does within N probes.
 */
export class HealthGate {
  #status: HealthStatus = 'unknown';
  #successes = 0;
  #failures = 0;

  constructor(private readonly thresholds: { healthy: number; unhealthy: number }) {}

  /** Current verdict. */
  get status(): HealthStatus {
    return this.#status;
  }

  /** Consecutive failed probes so far (0 after a success). */
  get failures(): number {
    return this.#failures;
  }

  /** Records one probe and says whether the verdict changed. */
  record(ok: boolean): HealthTransition {
    if (ok) {
      this.#failures = 0;
      this.#successes++;
      if (this.#status !== 'healthy' && this.#successes >= this.thresholds.healthy) {
        this.#status = 'healthy';
        return 'became-healthy';
      }
      return undefined;
    }
    this.#successes = 0;
    this.#failures++;
    if (this.#status !== 'unhealthy' && this.#failures >= this.thresholds.unhealthy) {
      this.#status = 'unhealthy';
      return 'became-unhealthy';
    }
    return undefined;
  }
}
