/**
 * One spelling per address. An instance's host becomes a Kong target, and an attacker who may
 * register one picks the spelling a deny rule does not expect: `127.1`, `2130706433`,
 * `0x7f000001`, `0177.0.0.1` and `::ffff:127.0.0.1` are all 127.0.0.1 to a socket. The registry
 * and the controller compare only canonical forms. Pure, no dependencies.
 */
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
