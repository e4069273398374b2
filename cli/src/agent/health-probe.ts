/** Outcome of one health probe. */
export interface ProbeResult {
  ok: boolean;
  /** HTTP status, when the service answered. */
  status?: number;
  /** Why it failed, for the log line. */
  error?: string;
}

/** Probes a health URL once; the agent's only view of the process it registers. */
export type HealthProbe = (url: string, timeoutMs: number) => Promise<ProbeResult>;

/**
 * `GET url`: healthy on 2xx within `timeoutMs`, like Kong's default `healthy.http_statuses`
 * (200, 302 aside: a health endpoint that redirects is misconfigured). Never rejects.
 */
export const probeHealth: HealthProbe = async (url, timeoutMs) => {
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
      headers: { 'user-agent': 'kong-registry-agent' },
    });
    // Drain the body so the socket can be reused; its content does not matter.
    await response.arrayBuffer().catch(() => undefined);
    return response.ok
      ? { ok: true, status: response.status }
      : { ok: false, status: response.status, error: `answered ${response.status}` };
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return {
      ok: false,
      error: timedOut ? `no answer within ${timeoutMs} ms` : (cause ?? (err as Error).message),
    };
  }
};
