/**
 * Kong's plugin queue (K:kong/tools/queue.lua) as http-log uses it: entries wait in a named
 * queue, go out in batches of up to `max_batch_size` (a batch of more than one waits up to
 * `max_coalescing_delay` for company), a failed batch is retried after `initial_retry_delay`,
 * doubling up to `max_retry_delay`, until `max_retry_time` has passed, then dropped; a full queue
 * (`max_entries`) drops its oldest entry. Batches of one queue go out one at a time
 * (`concurrency_limit` 1); with -1 every entry is handled at once, on its own.
 */

/** The queue settings, as `Queue.get_plugin_params` resolves them. */
export interface QueueSettings {
  maxBatchSize: number;
  /** Seconds. */
  maxCoalescingDelay: number;
  maxEntries: number;
  /** Seconds. */
  maxRetryTime: number;
  initialRetryDelay: number;
  maxRetryDelay: number;
  concurrencyLimit: 1 | -1;
}

/** Sends one batch; resolves to an error message when it failed (to be retried). */
export type BatchHandler = (entries: readonly string[]) => Promise<string | undefined>;

/** Where the queue reports dropped entries. */
export type QueueLogger = (message: string, fields: Record<string, unknown>) => void;

class NamedQueue {
  private readonly entries: string[] = [];
  private running = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly name: string,
    private readonly owner: LogQueues,
  ) {}

  add(entry: string, settings: QueueSettings, handler: BatchHandler): void {
    if (this.entries.length >= settings.maxEntries) {
      this.entries.shift();
      this.owner.report('queue full, dropping old entries until processing is successful again', {
        queue: this.name,
      });
    }
    this.entries.push(entry);
    this.wake?.();
    if (!this.running) void this.run(settings, handler);
  }

  private async run(settings: QueueSettings, handler: BatchHandler): Promise<void> {
    this.running = true;
    try {
      while (this.entries.length > 0 && !this.owner.closed) {
        if (settings.maxBatchSize > 1) await this.gather(settings);
        const batch = this.entries.splice(0, settings.maxBatchSize);
        await this.owner.deliver(this.name, batch, settings, handler);
      }
    } finally {
      this.running = false;
    }
  }

  /** Waits until the batch is full or the coalescing delay since its first entry is over. */
  private async gather(settings: QueueSettings): Promise<void> {
    const until = performance.now() + settings.maxCoalescingDelay * 1000;
    while (this.entries.length < settings.maxBatchSize && !this.owner.closed) {
      const left = until - performance.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.owner.after(left, resolve);
      });
      this.wake = undefined;
    }
  }
}

/** Every queue of one kong-sim node, by name. */
export class LogQueues {
  closed = false;
  private readonly queues = new Map<string, NamedQueue>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly log: QueueLogger) {}

  /** Queues `entry` on the queue `name`, created on first use. */
  enqueue(name: string, entry: string, settings: QueueSettings, handler: BatchHandler): void {
    if (this.closed) return;
    if (settings.concurrencyLimit === -1) {
      void this.deliver(name, [entry], settings, handler);
      return;
    }
    let queue = this.queues.get(name);
    if (!queue) this.queues.set(name, (queue = new NamedQueue(name, this)));
    queue.add(entry, settings, handler);
  }

  /** Stops every timer; entries still queued are dropped. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** @internal A timer the queues wait on, cancelled by close(). */
  after(ms: number, fire: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fire();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** @internal Logs a queue's trouble. */
  report(message: string, fields: Record<string, unknown>): void {
    this.log(message, fields);
  }

  /** @internal Sends a batch, retrying as the settings say. */
  async deliver(
    name: string,
    batch: readonly string[],
    settings: QueueSettings,
    handler: BatchHandler,
  ): Promise<void> {
    const started = performance.now();
    for (let retry = 0; !this.closed; retry++) {
      const error = await handler(batch).catch((err: unknown) => String(err));
      if (error === undefined) return;
      this.report('handler could not process entries', { queue: name, error });
      if ((performance.now() - started) / 1000 > settings.maxRetryTime) {
        this.report('could not send entries due to max_retry_time exceeded', {
          queue: name,
          lost: batch.length,
        });
        return;
      }
      const delay = Math.min(settings.maxRetryDelay, 2 ** retry * settings.initialRetryDelay);
      await new Promise<void>((resolve) => this.after(delay * 1000, resolve));
    }
  }
}
