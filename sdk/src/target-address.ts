/**
 * One spelling per address. An instance's host becomes a Kong target, and an attacker who may
 * register one picks the spelling a deny rule does not expect: `127.1`, `2130706433`,
 * `0x7f000001`, `0177.0.0.1` and `::ffff:127.0.0.1` are all 127.0.0.1 to a socket. The registry
 * and the controller compare only canonical forms. Pure, no dependencies.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), else undefined. */
function mappedIpv4(ipv6: string): string | undefined {
  const match = /^::ffff:(?:([0-9a-f]{1,4}):([0-9a-f]{1,4})|(\d+\.\d+\.\d+\.\d+))$/i.exec(ipv6);
  if (!match) return undefined;
  if (match[3] !== undefined) return match[3];
  const high = parseInt(match[1]!, 16);
  const low = parseInt(match[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/**
 * The canonical form of a host: IPv4 in dotted decimal (whatever shorthand, decimal, hex or octal
 * form it came in, read as the WHATWG URL parser and inet_aton read it), IPv6 compressed and
 * lowercase, an IPv4-mapped IPv6 address as its IPv4 address, and a name lowercase without its
 * trailing dot. A string that is none of these comes back unchanged.
 */
export function canonicalHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) === 6) {
    const compressed = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
    return mappedIpv4(compressed) ?? compressed;
  }
  let parsed: string;
  try {
    parsed = new URL(`http://${bare}/`).hostname;
  } catch {
    return host;
  }
  if (isIP(parsed) === 4) return parsed;
  return bare.toLowerCase().replace(/\.$/, '');
}

/** True when the canonical form of `host` is an IP address rather than a name. */
export function isIpAddress(host: string): boolean {
  return isIP(canonicalHost(host)) !== 0;
}

/** Resolves a name to its addresses (all families), as `dns.lookup` with `all: true` does. */
export type Resolver = (name: string) => Promise<string[]>;

/** Options of {@link AddressResolver}. */
export interface AddressResolverOptions {
  /** @default the system resolver (`dns.lookup`, as Kong's and every client's connect does) */
  resolve?: Resolver;
  /** Milliseconds since the epoch. @default Date.now */
  clock?: () => number;
  /** How long a name's addresses are reused. @default 5000 */
  ttlMs?: number;
  /** Names kept at once; when full, the cache starts afresh. @default 4096 */
  maxNames?: number;
}

/**
 * A host's canonical addresses: an IP is itself, a name is resolved and its answer kept for a
 * short while (a fleet registers from the same few names all day). A name that does not resolve
 * has no addresses. The registry checks targets with it at registration, the controller again at
 * every reconcile once the answer has aged out (DNS rebinding).
 */
export class AddressResolver {
  private readonly names = new Map<string, { addresses: string[]; until: number }>();
  private readonly resolve: Resolver;
  private readonly clock: () => number;

  constructor(private readonly options: AddressResolverOptions = {}) {
    this.resolve = options.resolve ?? systemResolver;
    this.clock = options.clock ?? Date.now;
  }

  async addressesOf(host: string): Promise<string[]> {
    const canonical = canonicalHost(host);
    if (isIP(canonical) !== 0) return [canonical];
    const now = this.clock();
    const cached = this.names.get(canonical);
    if (cached && cached.until > now) return cached.addresses;
    let addresses: string[];
    try {
      addresses = [...new Set((await this.resolve(canonical)).map((a) => canonicalHost(a)))];
    } catch {
      addresses = [];
    }
    if (this.names.size >= (this.options.maxNames ?? 4096)) this.names.clear();
    this.names.set(canonical, { addresses, until: now + (this.options.ttlMs ?? 5000) });
    return addresses;
  }
}

/** `dns.lookup` with every address. */
const systemResolver: Resolver = async (name) =>
  (await lookup(name, { all: true, verbatim: true })).map((a) => a.address);
