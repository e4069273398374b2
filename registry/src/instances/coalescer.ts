/**
 * Coalesces calls that arrive in the same event-loop turn into one batch, sent as one Redis
 * command (one round trip), and hands each caller its own outcome.
 *
 * Why: under load the registry's cost per heartbeat was dominated by the Redis round trip (one
 * socket write that wakes redis-server, one read, one script call); see
 * bench/profiles/registry-throughput.md. Requests parsed in the same poll phase of the event loop
 * are collected and sent when the loop reaches its check phase (`setImmediate`), or as soon as
 * `maxBatch` are waiting. A lone request therefore waits for nothing but the rest of the current
 * turn; `maxBatch` 1 sends every call at once, on its own.
 *
 * With `serial`, one batch at a time: what arrives while a batch is out waits for it to come back
 * and goes out as the next batch (group commit). For a sender whose batches queue behind each
 * other anyway (a registration batch followed by a WAIT for replicas holds its connection for
 * a replica round trip), this sends fewer, fuller batches instead of one round trip per turn.
 */
import { RegistryError } from '../errors';

/** Default of REGISTRY_REDIS_BATCH_MAX: the most calls coalesced into one Redis command. */
export const DEFAULT_REDIS_BATCH_MAX = 64;
/** Bounds of REGISTRY_REDIS_BATCH_MAX (a batch is one script run: Redis serves nothing else meanwhile). */
export const REDIS_BATCH_MAX_RANGE = { min: 1, max: 1000 } as const;

/**
 * Sends one batch. Resolves with one outcome per item, in the items' order: a value, or an Error
 * that fails that item alone. Rejects when the batch as a whole failed: every item fails with it.
 */
export type BatchSender<I, R> = (items: readonly I[]) => Promise<readonly (R | Error)[]>;

interface Waiting<I, R> {
  item: I;
  resolve: (value: R) => void;
  reject: (reason: unknown) => void;
}

export class Coalescer<I, R> {
  private waiting: Waiting<I, R>[] = [];
  private scheduled = false;
  private inFlight = false;

  constructor(
    private readonly send: BatchSender<I, R>,
    readonly maxBatch: number = DEFAULT_REDIS_BATCH_MAX,
    private readonly serial = false,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
    }
  }

  /** Queues one call; it goes out with the others of this event-loop turn. */
  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.waiting.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flushScheduled);
      }
    });
  }

  private readonly flushScheduled = (): void => {
    this.scheduled = false;
    this.flush();
  };

  /** Sends what is waiting (if anything) as one batch; in serial mode, once none is out. */
  private flush(): void {
    if (this.waiting.length === 0 || (this.serial && this.inFlight)) return;
    const batch = this.waiting.splice(0, this.maxBatch);
    this.inFlight = true;
    let sent: Promise<readonly (R | Error)[]>;
    try {
      sent = this.send(batch.map((w) => w.item));
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(
      (outcomes) => {
        if (outcomes.length !== batch.length) {
          const err = new RegistryError(
            'REG_ERR_INTERNAL',
            `a batch of ${batch.length} got ${outcomes.length} replies`,
          );
          for (const w of batch) w.reject(err);
          return;
        }
        for (let i = 0; i < batch.length; i++) {
          const outcome = outcomes[i] as R | Error;
          if (outcome instanceof Error) batch[i]!.reject(outcome);
          else batch[i]!.resolve(outcome);
        }
      },
      (err: unknown) => {
        for (const w of batch) w.reject(err);
      },
    );
    if (this.serial) {
      void sent
        .catch(() => undefined)
        .then(() => {
          this.inFlight = false;
          this.flush();
        });
    }
  }
}
