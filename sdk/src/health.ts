import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HeartbeatRequest } from './contract';
import { clipHealthDetail } from './rules';

/** What the health handler needs from a handle (a `RegistrationHandle` fits). */
export interface HealthSource {
  readonly isDraining: boolean;
  readonly state: string;
  readonly service: string;
  readonly instanceId: string;
}

/** A user check: passes unless it returns `false`, throws, rejects or takes longer than `timeoutMs`. */
export type HealthCheck = () => unknown;

/** Options of {@link healthHandler}. */
export interface HealthHandlerOptions {
  /** Named checks run on every probe (database ping, queue connection ...). @default {} */
  checks?: Record<string, HealthCheck>;
  /** Time allowed to each check, in ms; keep it under Kong's probe timeout. @default 1500 */
  timeoutMs?: number;
}

/** Result of one check in the health body. */
export interface HealthCheckResult {
  ok: boolean;
  error?: string;
}

/** JSON body of the health answer. */
export interface HealthBody {
  status: 'ok' | 'draining' | 'failing';
  service?: string;
  instanceId?: string;
  state?: string;
  checks: Record<string, HealthCheckResult>;
}

async function runCheck(check: HealthCheck, timeoutMs: number): Promise<HealthCheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthCheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, error: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    timer.unref();
  });
  const result = (async (): Promise<HealthCheckResult> => {
    try {
      return (await check()) === false
        ? { ok: false, error: 'check returned false' }
        : { ok: true };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  })();
  try {
    return await Promise.race([result, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Computes the health answer: 503 while draining or when a check fails, else 200. */
export async function evaluateHealth(
  source: HealthSource | undefined,
  { checks = {}, timeoutMs = 1500 }: HealthHandlerOptions = {},
): Promise<{ statusCode: 200 | 503; body: HealthBody }> {
  const names = Object.keys(checks);
  const results = await Promise.all(
    names.map((name) => runCheck(checks[name] as HealthCheck, timeoutMs)),
  );
  const checkResults = Object.fromEntries(
    names.map((name, i) => [name, results[i] as HealthCheckResult]),
  );
  const draining = source?.isDraining ?? false;
  const failing = results.some((r) => !r.ok);
  const status = draining ? 'draining' : failing ? 'failing' : 'ok';
  const body: HealthBody = { status, checks: checkResults };
  if (source)
    Object.assign(body, {
      service: source.service,
      instanceId: source.instanceId,
      state: source.state,
    });
  return { statusCode: status === 'ok' ? 200 : 503, body };
}

/**
 * The instance's own health, as a heartbeat reports it (`selfHealth` of `register()`): healthy
 * when every check passes, else unhealthy with the failing checks as the detail.
 */
export async function selfHealthReport(
  options: HealthHandlerOptions,
): Promise<NonNullable<HeartbeatRequest['health']>> {
  const { body } = await evaluateHealth(undefined, options);
  const failing = Object.entries(body.checks).filter(([, r]) => !r.ok);
  if (failing.length === 0) return { status: 'healthy' };
  return {
    status: 'unhealthy',
    detail: clipHealthDetail(
      failing.map(([name, r]) => `${name}: ${r.error ?? 'failed'}`).join('; '),
    ),
  };
}

/**
 * A handler for the path Kong's active health checks probe. Works as a Node `http` request
 * listener and as Express middleware (`app.get('/health', healthHandler(handle))`). Answers 200
 * with `{"status":"ok",...}`, or 503 while the handle drains or when a check fails.
 */
export function healthHandler(
  handle?: HealthSource,
  options: HealthHandlerOptions = {},
): (req: IncomingMessage | { method?: string }, res: ServerResponse) => void {
  return (req, res) => {
    void evaluateHealth(handle, options)
      .then(({ statusCode, body }) => {
        const text = JSON.stringify(body);
        res.writeHead(statusCode, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(text),
          'cache-control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : text);
      })
      // Headers already sent by someone else: nothing sensible to answer, never an unhandled rejection.
      .catch(() => res.destroy());
  };
}
