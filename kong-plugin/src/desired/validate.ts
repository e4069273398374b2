/**
 * Checks that a registry name or prefix can become a Kong entity. Kong rejects these with a 400
 * at apply time; catching them here turns them into a quarantine of one service instead of a
 * failed apply for everybody. Names and prefixes must follow the contract's rules, the ones the
 * registry validates with (sdk/src/rules.ts); those are narrower than what Kong accepts.
 */
import { hasDotSegment, prefixProblem, serviceNameProblem } from '@kong-registry/sdk';

/** Consumer usernames only need to be non-empty printable strings; tags forbid `,` and `/`. */
const TAG_SAFE = /^[\x20-\x7e]+$/;

/**
 * Why `name` cannot be a Kong service/upstream name, or undefined when it can. Upstream names are
 * hostnames (Kong 3.9.3: kong/db/schema/entities/upstreams.lua); a service name is one DNS label
 * of it.
 */
export function checkServiceName(name: string): string | undefined {
  const problem = serviceNameProblem(name);
  if (problem) return `service name '${name}' is not a valid hostname label (${problem})`;
  return undefined;
}

/** Why `name` cannot appear in a Kong tag, or undefined when it can. */
export function checkTagValue(name: string): string | undefined {
  if (!TAG_SAFE.test(name) || name.includes(',') || name.includes('/')) {
    return `'${name}' cannot be used in a Kong tag (printable ASCII without ',' and '/')`;
  }
  return undefined;
}

/**
 * Why `prefix` cannot be a Kong prefix path, or undefined when it can (Kong 3.9.3:
 * kong/db/schema/typedefs.lua `router_paths`).
 */
export function checkPrefix(prefix: string): string | undefined {
  if (!prefix.startsWith('/')) return `prefix '${prefix}' must start with '/'`;
  if (prefix.includes('//')) return `prefix '${prefix}' must not contain '//'`;
  if (hasDotSegment(prefix)) return `prefix '${prefix}' is not normalized (dot segments)`;
  const problem = prefixProblem(prefix);
  if (problem) return `prefix '${prefix}' is not a registry prefix (${problem})`;
  return undefined;
}
