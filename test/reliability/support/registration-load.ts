/**
 * A steady stream of registrations of fresh instances against one or more registry replicas,
 * for the failover suites: each PUT that fails (connection error, timeout, 5xx) is tried again on
 * the next URL (a registration is idempotent), until it is acknowledged (2xx) or the load stops.
 * Every acknowledgement is kept with when its attempt started and when it came back, so a test
 * can say which acknowledged registrations a fault lost and how long writes were refused.
 */

/** One acknowledged registration. */
export interface Ack {
  service: string;
  id: string;
  /** The registry that acknowledged it. */
  url: string;
  /** When the attempt that got the 2xx started, and when the 2xx came back (epoch ms). */
  startedAt: number;
  at: number;
}

/** What a load did so far. */
export interface RegistrationLog {
  acks: Ack[];
  /** PUTs sent, and those that failed (then tried again), by status or error code. */
  attempts: number;
  failed: number;
  failures: Record<string, number>;
  /** Registrations given up when the load stopped (never acknowledged). */
  abandoned: number;
}

/** Options of {@link startRegistrationLoad}. */
export interface RegistrationLoadOptions {
  urls: string[];
  token: string;
  /** Registrations per second over all writers (each writer paces itself). */
  perSecond: number;
  /** Writers in parallel. @default 4 */
  writers?: number;
  /** The service and body of the n-th registration. */
  registration(n: number): { service: string; id: string; body: Record<string, unknown> };
  /** Called on every acknowledgement, before the next request of that writer is sent. */
  onAck?(ack: Ack): void;
}

/** A running load. */
export interface RegistrationLoad {
  log: RegistrationLog;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the writers; `stop()` ends them after their current request. */
export function startRegistrationLoad(options: RegistrationLoadOptions): RegistrationLoad {
  const writers = options.writers ?? 4;
  const periodMs = (1000 * writers) / options.perSecond;
  const log: RegistrationLog = { acks: [], attempts: 0, failed: 0, failures: {}, abandoned: 0 };
  let running = true;
  let counter = 0;

  const fail = (label: string): void => {
    log.failed += 1;
    log.failures[label] = (log.failures[label] ?? 0) + 1;
  };

  /** One registration, tried on the URLs in turn until a 2xx or the load stops. */
  const registerOne = async (n: number): Promise<void> => {
    const { service, id, body } = options.registration(n);
    for (let attempt = 0; running; attempt += 1) {
      const url = options.urls[(n + attempt) % options.urls.length] ?? '';
      const startedAt = Date.now();
      log.attempts += 1;
      try {
        const res = await fetch(`${url}/v1/services/${service}/instances/${id}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(3000),
        });
        const text = await res.text();
        if (res.status === 200 || res.status === 201) {
          const ack = { service, id, url, startedAt, at: Date.now() };
          log.acks.push(ack);
          options.onAck?.(ack);
          return;
        }
        const code = /"code":"([A-Z_]+)"/.exec(text)?.[1];
        fail(code ? `${res.status} ${code}` : String(res.status));
        if (res.status < 500) return; // a 4xx is the test's own mistake: it shows in failures
      } catch (err) {
        fail((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name);
      }
      await sleep(Math.min(50 * (attempt + 1), 250));
    }
    log.abandoned += 1;
  };

  const done = Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      // Spread the writers over one period, so the load is even rather than in bursts.
      await sleep((periodMs * w) / writers);
      let next = Date.now();
      while (running) {
        await registerOne((counter += 1));
        next += periodMs;
        const wait = next - Date.now();
        if (wait > 0) await sleep(wait);
        else next = Date.now(); // fell behind (a fault): no catch-up burst afterwards
      }
    }),
  );
  return {
    log,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

/** Acknowledgements of attempts started at or after `t`: the first says when writes were back. */
export function firstAckStartedAfter(log: RegistrationLog, t: number): Ack | undefined {
  return log.acks.filter((a) => a.startedAt >= t).sort((a, b) => a.at - b.at)[0];
}

/** The median of some numbers (0 for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
