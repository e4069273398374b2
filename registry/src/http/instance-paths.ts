/** The instance routes, as Express declares them and as metrics label them. */
export const INSTANCE_ROUTE = '/v1/services/:service/instances/:instanceId';
export const HEARTBEAT_ROUTE = `${INSTANCE_ROUTE}/heartbeat`;

/** A caller's IP without the IPv4-mapped IPv6 prefix (loopback when the socket has none). */
export function callerAddressOf(address: string | undefined): string {
  const ip = address ?? '127.0.0.1';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
