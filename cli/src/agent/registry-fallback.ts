/**
 * WORKAROUND, to remove once the SDK can do it: the SDK (sdk/src/handle.ts) has no way to mark
 * an instance draining without deregistering it, nor to stop heartbeats without a DELETE. The
 * agent needs both while the health URL fails. Until the SDK grows `handle.markDraining()` /
 * `close({ deregister: false })`, these two calls go straight to the public registry API
 * (sdk/src/contract.ts; registry/src/http/routes/instances.ts), one attempt each:
 *
 *   DELETE /v1/services/{service}/instances/{id}?drain=true   202: weight 0 in Kong
 *   DELETE /v1/services/{service}/instances/{id}              204: gone
 *
 * 404 counts as done (the instance is already gone: reaped after its drain period, or never
 * registered). Everything else about the lease (register, heartbeat, re-register, the graceful
 * drain on SIGTERM) stays with the SDK.
 */

/** What the fallback needs to address one instance. */
export interface FallbackTarget {
  registryUrl: string;
  service: string;
  instanceId: string;
  token: () => Promise<string>;
  timeoutMs: number;
}

/** Outcome of a fallback call: done, or already gone. Failures throw. */
export type FallbackOutcome = 'done' | 'gone';

async function deleteInstance(target: FallbackTarget, drain: boolean): Promise<FallbackOutcome> {
  const path =
    `/v1/services/${encodeURIComponent(target.service)}` +
    `/instances/${encodeURIComponent(target.instanceId)}${drain ? '?drain=true' : ''}`;
  const response = await fetch(`${target.registryUrl}${path}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${await target.token()}`, accept: 'application/json' },
    signal: AbortSignal.timeout(target.timeoutMs),
  });
  const text = await response.text();
  if (response.ok) return 'done';
  if (response.status === 404) return 'gone';
  let code = '';
  try {
    code = String((JSON.parse(text) as { code?: unknown }).code ?? '');
  } catch {
    // Not JSON: the status alone says enough.
  }
  throw new Error(`DELETE ${path}: the registry answered ${response.status} ${code}`.trim());
}

/** WORKAROUND (see file header): marks the instance draining without deregistering it. */
export function markDraining(target: FallbackTarget): Promise<FallbackOutcome> {
  return deleteInstance(target, true);
}

/** WORKAROUND (see file header): deregisters an instance the SDK no longer holds. */
export function deregister(target: FallbackTarget): Promise<FallbackOutcome> {
  return deleteInstance(target, false);
}
