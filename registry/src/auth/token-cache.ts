import type { VerifiedToken } from './jwt';

interface Entry {
  token: VerifiedToken;
  expiresAtMs: number;
}

/**
 * Verified tokens by their exact string, so a client that sends the same bearer token on every
 * heartbeat pays for the signature check, the JSON decoding and the claims schema once, not per
 * request (they were the largest share of a heartbeat's CPU: bench/profiles/registry-throughput.md).
 *
 * Sound because a token's verdict only changes with time: the registry's keys are fixed for the
 * life of the process (one cache per app, built from those keys) and it keeps no revocation list.
 * An entry is served only while `now < exp`, the same comparison jsonwebtoken makes, so an
 * expired token falls through to the full check and gets REG_ERR_TOKEN_EXPIRED as before. Only
 * successful verifications are stored; a bad token pays the full check every time. Bounded:
 * past `maxEntries` the least recently used token is forgotten.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly maxEntries: number) {}

  /** Number of tokens held (for tests). */
  get size(): number {
    return this.entries.size;
  }

  /** The verified token for `raw` while it has not expired at `nowMs`; undefined otherwise. */
  get(raw: string, nowMs: number): VerifiedToken | undefined {
    const entry = this.entries.get(raw);
    if (entry === undefined) return undefined;
    // Map keeps insertion order: re-inserting marks the entry as the most recently used.
    this.entries.delete(raw);
    if (nowMs >= entry.expiresAtMs) return undefined;
    this.entries.set(raw, entry);
    return entry.token;
  }

  /** Remembers a token that just passed verification. */
  set(raw: string, token: VerifiedToken): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(raw);
    this.entries.set(raw, { token: Object.freeze(token), expiresAtMs: token.expiresAt * 1000 });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }
}
