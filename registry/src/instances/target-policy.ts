import { BlockList, isIP, SocketAddress } from 'node:net';

/**
 * Which instance addresses the registry refuses. A registered instance becomes a Kong target, so
 * a service that registers `127.0.0.1:8001` would make Kong proxy clients to its own Admin API,
 * and `169.254.169.254` to a cloud metadata service. Pure: parsed once from configuration.
 */
export interface DeniedTarget {
  /** The entry as configured, quoted in error messages. */
  raw: string;
  /** Exact hostname (lowercase), when the entry is a name. */
  hostname?: string;
  /** Addresses, when the entry is an IP or a CIDR block. */
  block?: BlockList;
  /** Only this port, when the entry names one. */
  port?: number;
}

/** Kong's Admin API defaults (8001 http, 8444 https) on loopback, plus link-local (metadata). */
export const DEFAULT_DENIED_TARGETS =
  '169.254.0.0/16,[fe80::/10],127.0.0.0/8:8001,127.0.0.0/8:8444,[::1]:8001,[::1]:8444,localhost:8001,localhost:8444';

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
  const [ip, bits] = address.split('/');
  const family = isIP(ip ?? '');
  if (family === 0) return undefined;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const block = new BlockList();
  if (bits === undefined) {
    block.addAddress(ip!, type);
    return block;
  }
  const prefix = Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
    return undefined;
  }
  block.addSubnet(ip!, prefix, type);
  return block;
}

/** Parses a comma-separated list; returns the rules and a message per bad entry. */
export function parseDeniedTargets(spec: string): { rules: DeniedTarget[]; problems: string[] } {
  const rules: DeniedTarget[] = [];
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
    const block = addressBlock(address);
    if (block) {
      rules.push({ raw, block, ...(portNumber !== undefined && { port: portNumber }) });
    } else if (/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(address)) {
      rules.push({
        raw,
        hostname: address.toLowerCase(),
        ...(portNumber !== undefined && { port: portNumber }),
      });
    } else {
      problems.push(`'${raw}': expected an IP, a CIDR block or a hostname, optionally with :port`);
    }
  }
  return { rules, problems };
}

/** The first rule that refuses `host:port`, if any. */
export function deniedBy(
  rules: readonly DeniedTarget[],
  host: string,
  port: number,
): DeniedTarget | undefined {
  const family = isIP(host);
  // One SocketAddress for all rules: BlockList.check(string) builds one per call, per rule.
  const address =
    family === 0
      ? undefined
      : new SocketAddress({ address: host, family: family === 4 ? 'ipv4' : 'ipv6' });
  return rules.find((rule) => {
    if (rule.port !== undefined && rule.port !== port) return false;
    if (rule.block) return address !== undefined && rule.block.check(address);
    return address === undefined && rule.hostname === host.toLowerCase();
  });
}

/** Distinct `host:port` verdicts a {@link DeniedTargetCache} keeps before starting afresh. */
export const DENIED_TARGET_CACHE_ENTRIES = 4096;

/**
 * {@link deniedBy} over fixed rules, remembering each `host:port` verdict: the rules never change
 * for the life of the process, and a fleet re-registers from the same few addresses all day.
 * Bounded: when full it is emptied, so a flood of distinct hosts costs a re-check, never memory.
 */
export class DeniedTargetCache {
  private readonly verdicts = new Map<string, DeniedTarget | null>();

  constructor(
    private readonly rules: readonly DeniedTarget[],
    private readonly maxEntries = DENIED_TARGET_CACHE_ENTRIES,
  ) {}

  /** The first rule that refuses `host:port`, if any (same answer as {@link deniedBy}). */
  deniedBy(host: string, port: number): DeniedTarget | undefined {
    const key = `${port} ${host}`;
    let verdict = this.verdicts.get(key);
    if (verdict === undefined) {
      verdict = deniedBy(this.rules, host, port) ?? null;
      if (this.verdicts.size >= this.maxEntries) this.verdicts.clear();
      this.verdicts.set(key, verdict);
    }
    return verdict ?? undefined;
  }

  /** How many verdicts are remembered (for tests). */
  get size(): number {
    return this.verdicts.size;
  }
}
