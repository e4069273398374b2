import { RegistryError } from '../errors';
import type { Clock } from '../instances/lease';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per key, in process memory: `burst` requests at once, refilled at `perSecond`.
 * Per replica, which is enough to stop a crash-looping client from hammering Redis.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {}

  /** Takes one token; returns 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const now = this.clock();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond,
    );
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 10_000) this.evictFull(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
  }

  /** Forgets buckets that have refilled; they behave exactly like new ones. */
  private evictFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond >= this.burst)
        this.buckets.delete(key);
    }
  }
}

/**
 * Takes one token from the bucket of a verified token's subject (`service:<name>`,
 * `admin:<sub>`: jwt.ts), so minting a fresh token for the same service does not get a fresh
 * bucket; REG_ERR_RATE_LIMITED with Retry-After once it is used up.
 */
export function takeOrThrow(buckets: TokenBuckets, subject: string): void {
  const retryAfter = buckets.take(subject);
  if (retryAfter > 0) {
    throw new RegistryError(
      'REG_ERR_RATE_LIMITED',
      `too many registrations with this token: retry in ${retryAfter}s`,
      { headers: { 'Retry-After': String(retryAfter) } },
    );
  }
}
