/**
 * Kong protects itself, whatever the registry allows: the controller never programs a target that
 * is one of its own Kong nodes' Admin API or status API listeners. Pure: what the nodes listen
 * on comes in as data (read by ./read-listeners.ts), and target names come in resolved.
 *
 * Kong's `GET /` (kong/api/routes/kong.lua) returns its configuration with the parsed listener
 * lists that kong/conf_loader/listeners.lua builds from `admin_listen` and `status_listen`: one
 * entry per listener, `ip` normalised (IPv6 in brackets, `0.0.0.0` / `[::]` for every address)
 * and `port` a number.
 */
import { canonicalHost } from '@kong-registry/sdk';

/** An address and port that must never become a Kong target. */
export interface ProtectedEndpoint {
  /** Canonical IP, or `*` for a listener bound to every address. */
  address: string;
  port: number;
  /** The Kong node it belongs to (its Admin URL) and why it is protected, for the log line. */
  node: string;
  what: string;
}

/** One parsed Kong listener, as `GET /` lists it under `*_listeners`. */
export interface KongListener {
  ip: string;
  port: number | string;
}

/** The parts of `GET /`'s configuration read here. */
export interface KongListenerConfig {
  admin_listeners?: KongListener[] | Record<string, never>;
  status_listeners?: KongListener[] | Record<string, never>;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '*']);

/**
 * Every endpoint of one node to protect: its Admin URL's host (resolved by the caller) and
 * port, and each admin and status listener it reports. A wildcard listener protects its port on
 * every address, since the controller cannot know every address of a Kong box.
 */
export function protectedEndpointsOf(
  node: string,
  adminUrlAddresses: readonly string[],
  adminUrlPort: number,
  config: KongListenerConfig | undefined,
): ProtectedEndpoint[] {
  const endpoints: ProtectedEndpoint[] = adminUrlAddresses.map((address) => ({
    address: canonicalHost(address),
    port: adminUrlPort,
    node,
    what: 'its Admin URL',
  }));
  // An empty list arrives as `{}` (Kong's JSON encoder writes an empty Lua table as an object).
  const lists: Array<[string, unknown]> = [
    ['admin_listen', config?.admin_listeners],
    ['status_listen', config?.status_listeners],
  ];
  for (const [setting, listeners] of lists) {
    for (const listener of Array.isArray(listeners) ? (listeners as KongListener[]) : []) {
      const ip = canonicalHost(listener.ip);
      const port = Number(listener.port);
      if (!Number.isInteger(port)) continue;
      endpoints.push({
        address: WILDCARDS.has(ip) ? '*' : ip,
        port,
        node,
        what: `${setting} ${listener.ip}:${port}`,
      });
    }
  }
  return endpoints;
}

/** One instance whose target would reach a protected endpoint. */
export interface UnsafeTarget {
  service: string;
  instanceId: string;
  /** `host:port` as registered. */
  target: string;
  /** The address it resolved to. */
  address: string;
  endpoint: ProtectedEndpoint;
}

/** The instance fields read here. */
export interface TargetInstance {
  service: string;
  instanceId: string;
  host: string;
  port: number;
}

/**
 * Instances whose target resolves to a protected endpoint. `addressesOf` gives a host's canonical
 * addresses: the host itself when it is an IP, the resolved ones when it is a name.
 */
export function findUnsafeTargets(
  instances: Iterable<TargetInstance>,
  addressesOf: (host: string) => readonly string[],
  endpoints: readonly ProtectedEndpoint[],
): UnsafeTarget[] {
  const unsafe: UnsafeTarget[] = [];
  for (const instance of instances) {
    for (const address of addressesOf(instance.host)) {
      const endpoint = endpoints.find(
        (e) => e.port === instance.port && (e.address === '*' || e.address === address),
      );
      if (endpoint) {
        unsafe.push({
          service: instance.service,
          instanceId: instance.instanceId,
          target: `${instance.host}:${instance.port}`,
          address,
          endpoint,
        });
        break;
      }
    }
  }
  return unsafe;
}
