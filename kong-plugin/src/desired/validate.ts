/**
 * Checks that a registry name or prefix can become a Kong entity. Kong rejects these with a 400
 * at apply time; catching them here turns them into a quarantine of one service instead of a
 * failed apply for everybody.
 */

/** Upstream names are hostnames (facts §2.3), so service names must be valid hostname labels. */
const HOSTNAME_SAFE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
/** Consumer usernames only need to be non-empty printable strings; tags forbid `,` and `/`. */
const TAG_SAFE = /^[\x20-\x7e]+$/;

/** Why `name` cannot be a Kong service/upstream name, or undefined when it can. */
export function checkServiceName(name: string): string | undefined {
  if (!HOSTNAME_SAFE.test(name)) {
    return `service name '${name}' is not a valid hostname label (a-z, 0-9, '-', '.')`;
  }
  return undefined;
}

/** Why `name` cannot appear in a Kong tag, or undefined when it can. */
export function checkTagValue(name: string): string | undefined {
  if (!TAG_SAFE.test(name) || name.includes(',') || name.includes('/')) {
    return `'${name}' cannot be used in a Kong tag (printable ASCII without ',' and '/')`;
  }
  return undefined;
}

/** Why `prefix` cannot be a Kong prefix path, or undefined when it can (facts §2.2). */
export function checkPrefix(prefix: string): string | undefined {
  if (!prefix.startsWith('/')) return `prefix '${prefix}' must start with '/'`;
  if (prefix.includes('//')) return `prefix '${prefix}' must not contain '//'`;
  if (/(^|\/)\.\.?(\/|$)/.test(prefix))
    return `prefix '${prefix}' is not normalized (dot segments)`;
  if (/[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/.test(prefix)) {
    return `prefix '${prefix}' has characters outside RFC 3986`;
  }
  return undefined;
}
