import { BlockList, isIP, SocketAddress } from 'node:net';
import { AddressResolver, canonicalHost } from '@kong-registry/sdk';
import { RegistryError } from '../errors';

/**
 * Which instance addresses the registry accepts. A registered instance becomes a Kong target, so
 * a service that registers Kong's own Admin API (`127.0.0.1:8001`, `10.0.0.12:8001`, `127.1:8001`
 * or a name that resolves there) would publish it on the public proxy, and `169.254.169.254` a
 * cloud metadata service. Every host is compared in its canonical form (`canonicalHost`), and a
 * name is resolved and each of its addresses checked. The controller checks again against the Kong
 * nodes it manages (kong-plugin/src/safety/), so Kong protects itself whatever this allows.
 */
export interface TargetRule {
  /** The entry as configured, quoted in error messages. */
  raw: string;
  /** Exact hostname (canonical), when the entry is a name. */
  hostname?: string;
  /** Addresses, when the entry is an IP or a CIDR block. */
  block?: BlockList;
  /** Only this port, when the entry names one. */
  port?: number;
}

/**
 * Kong's Admin API (8001 http, 8444 https) and status API (8007) default ports on every address,
 * and link-local addresses (cloud metadata). Kong's defaults: kong/templates/kong_defaults.lua.
 */
export const DEFAULT_DENIED_TARGETS = [
  '169.254.0.0/16',
  '[fe80::/10]',
  ...[8001, 8444, 8007].flatMap((port) => [`0.0.0.0/0:${port}`, `[::/0]:${port}`]),
].join(',');

/** Splits `addr[:port]`, `[v6addr]:port`, `v6addr` (several colons and no brackets: no port). */
function splitPort(entry: string): { address: string; port?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { address: bracketed[1]!, port: bracketed[2] };
  const colons = entry.split(':').length - 1;
  if (colons === 1) {
    const [address, port] = entry.split(':');
    return { address: address!, port };
  }
  return { address: entry };
}

function addressBlock(address: string): BlockList | undefined {
  const [spelled, bits] = address.split('/');
  const ip = canonicalHost(spelled ?? '');
  const family = isIP(ip);
  if (family === 0) return undefined;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const block = new BlockList();
  if (bits === undefined) {
    block.addAddress(ip, type);
    return block;
  }
  const prefix = Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
    return undefined;
  }
  block.addSubnet(ip, prefix, type);
  return block;
}

/** Parses a comma-separated list of `IP`, `CIDR` or `name`, each with an optional `:port`. */
export function parseTargetRules(spec: string): { rules: TargetRule[]; problems: string[] } {
  const rules: TargetRule[] = [];
  const problems: string[] = [];
  for (const raw of spec
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const { address, port } = splitPort(raw);
    const portNumber = port === undefined ? undefined : Number(port);
    if (portNumber !== undefined && !(Number.isInteger(portNumber) && portNumber <= 65535)) {
      problems.push(`'${raw}': bad port`);
      continue;
    }
    const withPort = portNumber !== undefined ? { port: portNumber } : {};
    const block = addressBlock(address);
    if (block) {
      rules.push({ raw, block, ...withPort });
    } else if (/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?\.?$/i.test(address)) {
      rules.push({ raw, hostname: canonicalHost(address), ...withPort });
    } else {
      problems.push(`'${raw}': expected an IP, a CIDR block or a hostname, optionally with :port`);
    }
  }
  return { rules, problems };
}

/** One address of a target, canonical, as a SocketAddress for BlockList checks. */
function socketAddress(ip: string): SocketAddress {
  return new SocketAddress({ address: ip, family: isIP(ip) === 4 ? 'ipv4' : 'ipv6' });
}

/** The first rule that matches `name` (when it is one) or `address` on `port`. */
function firstMatch(
  rules: readonly TargetRule[],
  port: number,
  name: string | undefined,
  address: SocketAddress | undefined,
): TargetRule | undefined {
  return rules.find((rule) => {
    if (rule.port !== undefined && rule.port !== port) return false;
    if (rule.block) return address !== undefined && rule.block.check(address);
    return name !== undefined && rule.hostname === name;
  });
}

/** What a registration's target is checked against, besides the configured lists. */
export interface TargetContext {
  /** The token's own `targets` claim: the target must also match one of these. */
  tokenTargets?: readonly TargetRule[];
  /** With source binding: the caller's address, which every address of the target must equal. */
  boundTo?: string;
}

/** Options of {@link TargetPolicy}. */
export interface TargetPolicyOptions {
  denied: readonly TargetRule[];
  /** REGISTRY_ALLOWED_TARGETS; when set, only these may be registered. */
  allowed?: readonly TargetRule[];
  /** Resolves names (and keeps their answers a short while). @default new AddressResolver() */
  names?: AddressResolver;
}

/** Why a target is refused: the message's reason, and the rule when one matched. */
interface Refusal {
  why: string;
  rule?: string;
}

const denied = (target: string, { why, rule }: Refusal): RegistryError =>
  new RegistryError('REG_ERR_TARGET_DENIED', `${target} may not be a Kong target: ${why}`, {
    details: [{ path: 'host', message: rule ? `denied by ${rule}` : why }],
  });

/** Distinct `host:port` verdicts on IP literals a {@link TargetPolicy} keeps before starting afresh. */
export const TARGET_VERDICT_CACHE_ENTRIES = 4096;

/**
 * Checks a registration's `host:port` and returns the host in its canonical form, which is what
 * the registry stores and Kong receives. Throws REG_ERR_TARGET_DENIED naming the rule.
 */
export class TargetPolicy {
  private readonly names: AddressResolver;
  /**
   * Verdicts on IP literals checked against the configured lists alone (no token claim, no
   * binding): those never change for the life of the process, and a fleet re-registers from the
   * same few addresses all day. Names are not kept here: their addresses may change.
   */
  private readonly verdicts = new Map<string, { host: string } | Refusal>();

  constructor(private readonly options: TargetPolicyOptions) {
    this.names = options.names ?? new AddressResolver();
  }

  async check(host: string, port: number, context: TargetContext = {}): Promise<string> {
    const plain = context.tokenTargets === undefined && context.boundTo === undefined;
    const key = plain ? `${port} ${host}` : undefined;
    let verdict = key === undefined ? undefined : this.verdicts.get(key);
    if (verdict === undefined) {
      const canonical = canonicalHost(host);
      const name = isIP(canonical) === 0 ? canonical : undefined;
      const addresses = name === undefined ? [canonical] : await this.names.addressesOf(name);
      verdict = this.judge(host, port, name, addresses, context) ?? {
        host: name === undefined ? canonical : host,
      };
      if (key !== undefined && name === undefined) {
        if (this.verdicts.size >= TARGET_VERDICT_CACHE_ENTRIES) this.verdicts.clear();
        this.verdicts.set(key, verdict);
      }
    }
    if ('why' in verdict) throw denied(`${host}:${port}`, verdict);
    return verdict.host;
  }

  /** Why `host:port`, with these addresses, is refused; undefined when it is not. */
  private judge(
    host: string,
    port: number,
    name: string | undefined,
    addresses: readonly string[],
    context: TargetContext,
  ): Refusal | undefined {
    const { allowed } = this.options;
    const lists: Array<[string, readonly TargetRule[]]> = [];
    if (allowed && allowed.length > 0) lists.push(['REGISTRY_ALLOWED_TARGETS', allowed]);
    if (context.tokenTargets) lists.push(["the token's targets claim", context.tokenTargets]);

    if (addresses.length === 0 && (lists.length > 0 || context.boundTo !== undefined)) {
      return { why: `${host} does not resolve, so it cannot be checked against the allow-list` };
    }
    const nameRule =
      name === undefined ? undefined : firstMatch(this.options.denied, port, name, undefined);
    if (nameRule)
      return { why: `REGISTRY_DENIED_TARGETS rule ${nameRule.raw}`, rule: nameRule.raw };
    for (const ip of addresses) {
      const address = socketAddress(ip);
      const via = name === undefined ? '' : ` (${name} resolves to ${ip})`;
      const rule = firstMatch(this.options.denied, port, undefined, address);
      if (rule) return { why: `REGISTRY_DENIED_TARGETS rule ${rule.raw}${via}`, rule: rule.raw };
      for (const [setting, rules] of lists) {
        if (!firstMatch(rules, port, name, address)) return { why: `not in ${setting}${via}` };
      }
      if (context.boundTo !== undefined && ip !== canonicalHost(context.boundTo)) {
        return {
          why: `source binding: a service token may register only the address it calls from (${context.boundTo})${via}`,
        };
      }
    }
    return undefined;
  }
}
