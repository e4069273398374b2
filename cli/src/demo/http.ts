/** Small HTTP helpers of the orchestrator: a JSON call and a poll-until loop (no fixed sleeps). */

/** Status and parsed body (text when not JSON) of one call. */
export interface HttpReply {
  status: number;
  body: unknown;
}

/** One HTTP call with a JSON body; never throws on an HTTP status, only on network errors. */
export async function callJson(
  url: string,
  {
    method = 'GET',
    headers = {},
    body,
    timeoutMs = 5000,
  }: { method?: string; headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {},
): Promise<HttpReply> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed };
}

/**
 * Polls `check` until it returns something other than undefined/false; rejects with the last
 * error after `timeoutMs`.
 */
export async function pollUntil<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 100, what = 'a condition' } = {},
): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
