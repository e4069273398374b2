import { canonicalHost } from '@kong-registry/sdk';

/** The instance routes, as Express declares them and as metrics label them. */
export const INSTANCE_ROUTE = '/v1/services/:service/instances/:instanceId';
export const HEARTBEAT_ROUTE = `${INSTANCE_ROUTE}/heartbeat`;

/** A caller's IP in canonical form (an IPv4-mapped IPv6 address as IPv4; loopback when unknown). */
export function callerAddressOf(address: string | undefined): string {
  return canonicalHost(address ?? '127.0.0.1');
}
