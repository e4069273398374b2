import { LogQueues, type QueueSettings } from './log-queue';

const settings = (over: Partial<QueueSettings> = {}): QueueSettings => ({
  maxBatchSize: 1,
  maxCoalescingDelay: 1,
  maxEntries: 10000,
  maxRetryTime: 60,
  initialRetryDelay: 0.001,
  maxRetryDelay: 0.002,
  concurrencyLimit: 1,
  ...over,
});

/** Resolves once `check` holds, polling each macrotask. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
}

describe('LogQueues (kong/tools/queue.lua)', () => {
  let queues: LogQueues;
  const reports: string[] = [];
  beforeEach(() => {
    reports.length = 0;
    queues = new LogQueues((message) => reports.push(message));
  });
  afterEach(() => queues.close());

  it('sends the entries of one queue one batch at a time, in order', async () => {
    const sent: string[][] = [];
    let release: () => void = () => {};
    const handler = (entries: readonly string[]) => {
      sent.push([...entries]);
      return new Promise<undefined>((resolve) => (release = () => resolve(undefined)));
    };
    queues.enqueue('q', 'a', settings(), handler);
    queues.enqueue('q', 'b', settings(), handler);
    await until(() => sent.length === 1);
    release();
    await until(() => sent.length === 2);
    expect(sent).toEqual([['a'], ['b']]);
  });

  it('drops the oldest entry when the queue is full', async () => {
    const sent: string[] = [];
    let release: () => void = () => {};
    const handler = (entries: readonly string[]) => {
      sent.push(...entries);
      return new Promise<undefined>((resolve) => (release = () => resolve(undefined)));
    };
    const small = settings({ maxEntries: 1 });
    queues.enqueue('q', 'first', small, handler); // taken at once
    queues.enqueue('q', 'old', small, handler);
    queues.enqueue('q', 'new', small, handler); // the queue holds one: 'old' goes
    release();
    await until(() => sent.length === 2);
    expect(sent).toEqual(['first', 'new']);
    expect(reports).toContain(
      'queue full, dropping old entries until processing is successful again',
    );
  });

  it('retries a failed batch until max_retry_time, then drops it', async () => {
    let calls = 0;
    queues.enqueue('q', 'x', settings({ maxRetryTime: 0.02 }), () => {
      calls += 1;
      return Promise.resolve('refused');
    });
    await until(() => reports.includes('could not send entries due to max_retry_time exceeded'));
    expect(calls).toBeGreaterThan(1);
  });

  it('waits up to max_coalescing_delay to fill a batch', async () => {
    const sent: string[][] = [];
    const handler = (entries: readonly string[]) => {
      sent.push([...entries]);
      return Promise.resolve(undefined);
    };
    const batching = settings({ maxBatchSize: 3, maxCoalescingDelay: 0.05 });
    queues.enqueue('q', 'a', batching, handler);
    queues.enqueue('q', 'b', batching, handler);
    await until(() => sent.length === 1);
    expect(sent).toEqual([['a', 'b']]);
  });
});
