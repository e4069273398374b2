/** Builds a KongAdminClient for one node from the validated Kong config. */
import type { KongAdminConfig } from '../config';
import { KongAdminClient } from './client';

/**
 * A client for `url` with the token, extra headers, TLS and timeout of `kong`; `mayWrite` is
 * asked before every write (the leader lock's lease).
 */
export function createAdminClient(
  kong: KongAdminConfig,
  url: string,
  mayWrite?: () => boolean,
): KongAdminClient {
  return new KongAdminClient({
    ...(mayWrite ? { mayWrite } : {}),
    baseUrl: url,
    ...(kong.token ? { token: kong.token } : {}),
    headers: { ...kong.headers },
    tls: { ...kong.tls },
    timeoutMs: kong.timeoutMs,
  });
}
