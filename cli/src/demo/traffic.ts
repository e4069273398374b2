/**
 * Client traffic through the proxy, counted by the instance that answered (every example echoes
 * its instanceId), for the tour and the e2e suite.
 */

/** Who answered a batch of requests. */
export interface TrafficCount {
  /** 200 replies per instanceId. */
  byInstance: Record<string, number>;
  /** Replies other than 200, and network errors, by status ("error" for the latter). */
  failures: Record<string, number>;
  total: number;
}

/** Total of the failures of a count. */
export function failureCount(count: TrafficCount): number {
  return Object.values(count.failures).reduce((a, b) => a + b, 0);
}

/** One request; adds its outcome to `count`. */
export async function sendOne(
  url: string,
  headers: Record<string, string>,
  count: TrafficCount,
): Promise<void> {
  count.total += 1;
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
    const text = await response.text();
    if (response.status !== 200) {
      count.failures[String(response.status)] = (count.failures[String(response.status)] ?? 0) + 1;
      return;
    }
    const instanceId = String((JSON.parse(text) as { instanceId?: unknown }).instanceId ?? '?');
    count.byInstance[instanceId] = (count.byInstance[instanceId] ?? 0) + 1;
  } catch {
    count.failures.error = (count.failures.error ?? 0) + 1;
  }
}

/** An empty count. */
export function emptyCount(): TrafficCount {
  return { byInstance: {}, failures: {}, total: 0 };
}

/** Sends `requests` requests, `concurrency` at a time, and counts who answered. */
export async function sendRequests(
  url: string,
  headers: Record<string, string>,
  requests: number,
  concurrency = 4,
): Promise<TrafficCount> {
  const count = emptyCount();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests) {
      next += 1;
      await sendOne(url, headers, count);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
  return count;
}

/**
 * A client loop that keeps sending requests until stopped (to prove that a drain fails none).
 * `stop()` resolves with everything counted.
 */
export function startClientLoop(
  url: string,
  headers: Record<string, string>,
  concurrency = 2,
): {
  stop(): Promise<TrafficCount>;
  count: TrafficCount;
} {
  const count = emptyCount();
  let running = true;
  const workers = Array.from({ length: concurrency }, async () => {
    while (running) await sendOne(url, headers, count);
  });
  return {
    count,
    stop: async () => {
      running = false;
      await Promise.all(workers);
      return count;
    },
  };
}

/** "orders-1: 12, orders-2: 11" */
export function describeCount(count: TrafficCount): string {
  const answered = Object.entries(count.byInstance)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, n]) => `${id}: ${n}`)
    .join(', ');
  const failed = failureCount(count);
  return `${answered || 'no 200s'}${failed > 0 ? `; failed ${failed} (${JSON.stringify(count.failures)})` : ''}`;
}
