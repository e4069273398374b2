/**
 * Leader lock in Redis so that, with several controller replicas, exactly one writes to Kong.
 * Acquire is `SET key token NX PX ttl` in one script that also renews for the holder; the holder
 * renews every ttl/3 and re-checks ownership before each write batch (`assertLeader`). A crashed
 * leader's lock expires after the TTL and a follower (polling every ttl/5) takes over.
 *
 * Between those checks, every single Admin API write asks `holdsLease()` first, which needs no
 * Redis: false once a renewal failed (Redis down, a failover under way) or found another holder,
 * and once the TTL has passed since the last renewal began (a renewal that hangs). So a leader
 * cut off from Redis stops sending after at most ttl/3, mid-batch, retries included.
 *
 * No fencing token: Kong's Admin API has no conditional write that could refuse a stale leader's
 * request, so a token nothing checks would only look like protection. What remains is a request
 * sent before the lease was lost and answered after another controller took over;
 * docs/RELIABILITY.md states when that can happen.
 */
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { ErrorCodes, KongPluginError } from '../errors';
import type { Logger } from '../logger';

/**
 * KEYS[1] lock key; ARGV[1] holder token, ARGV[2] ttl in ms.
 * Returns 1 when the caller holds the lock after the call, 0 otherwise. Renews (PEXPIRE) when the
 * caller already holds it; SET NX PX when it is free.
 */
const ACQUIRE_OR_RENEW = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
return 1
`;

/**
 * KEYS[1] lock key; ARGV[1] holder token.
 * Deletes the lock only if the caller holds it. Returns 1 if deleted, 0 otherwise.
 */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Thrown when a write is attempted without holding the lock. */
export class NotLeaderError extends KongPluginError {
  constructor(message = 'this controller does not hold the leader lock') {
    super(ErrorCodes.NOT_LEADER, message);
  }
}

/** Options of LeaderLock. */
export interface LeaderLockOptions {
  key: string;
  ttlMs: number;
  holderId: string;
  onChange?: (leader: boolean) => void;
}

/** The leader lock of one controller process. */
export class LeaderLock {
  private readonly token: string;
  private timer: NodeJS.Timeout | undefined;
  private leader = false;
  /** Until when (epoch ms) this holder may write without asking Redis: see holdsLease(). */
  private leaseEnd = 0;

  constructor(
    private readonly redis: Redis,
    private readonly options: LeaderLockOptions,
    private readonly logger: Logger,
  ) {
    this.token = `${options.holderId}:${randomUUID()}`;
  }

  /** True while this process holds the lock (as of the last acquire/renew). */
  get isLeader(): boolean {
    return this.leader;
  }

  /**
   * True while this process holds the lock (as of the last acquire/renew) and less than the TTL
   * has passed since that acquire/renew began: no one else can have taken the key by then,
   * unless Redis lost it (a failover that did not replicate it). Checked before every write.
   */
  holdsLease(now = Date.now()): boolean {
    return this.leader && now < this.leaseEnd;
  }

  /** One acquire-or-renew attempt; returns whether we hold the lock now. */
  async tick(): Promise<boolean> {
    const started = Date.now();
    let held = false;
    try {
      held =
        Number(
          await this.redis.eval(
            ACQUIRE_OR_RENEW,
            1,
            this.options.key,
            this.token,
            String(this.options.ttlMs),
          ),
        ) === 1;
    } catch (err) {
      this.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'leader lock: Redis call failed',
      );
    }
    this.leaseEnd = held ? started + this.options.ttlMs : 0;
    this.set(held);
    return this.leader;
  }

  /** Throws NotLeaderError unless Redis confirms we still hold the lock. */
  async assertLeader(): Promise<void> {
    const holder = await this.redis.get(this.options.key);
    if (holder !== this.token) {
      this.set(false);
      throw new NotLeaderError();
    }
  }

  /** Starts acquiring/renewing in the background; resolves after the first attempt. */
  async start(): Promise<void> {
    await this.tick();
    const schedule = (): void => {
      const every = this.leader ? this.options.ttlMs / 3 : this.options.ttlMs / 5;
      this.timer = setTimeout(() => {
        void this.tick().finally(() => {
          if (this.timer) schedule();
        });
      }, every);
      this.timer.unref();
    };
    schedule();
  }

  /** Stops renewing and releases the lock if held, so a follower takes over at once. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.leader) {
      await this.redis.eval(RELEASE, 1, this.options.key, this.token).catch(() => undefined);
    }
    this.set(false);
  }

  private set(leader: boolean): void {
    if (!leader) this.leaseEnd = 0;
    const changed = leader !== this.leader;
    this.leader = leader;
    if (changed) {
      this.logger.info(
        { leader, holder: this.options.holderId },
        leader ? 'became leader' : 'lost leadership',
      );
      this.options.onChange?.(leader);
    }
  }
}
