/**
 * The path sent upstream, following Kong's `get_upstream_uri_v0` (K:kong/router/utils.lua). Under
 * traditional_compatible only v0 exists: `path_handling: "v1"` is stored but ignored
 * (K:kong/router/atc.lua always calls v0).
 */

/** Inputs of the path computation; `requestPath` is the normalised path without the query. */
export interface UpstreamPathInput {
  /** Service path; null counts as `/`. */
  servicePath: string | null;
  requestPath: string;
  /** The part of the path the route matched, or undefined when the route has no paths. */
  matchedPath: string | undefined;
  stripPath: boolean;
}

/** Drops a leading `.` or `..` segment from what follows the stripped prefix. */
function sanitizePostfix(postfix: string): string {
  if (postfix === '.' || postfix === '..') return '';
  if (postfix.startsWith('./')) return postfix.slice(2);
  if (postfix.startsWith('../')) return postfix.slice(3);
  return postfix;
}

/** Computes the upstream path (without query string). */
export function computeUpstreamPath(input: UpstreamPathInput): string {
  const base = input.servicePath ?? '/';
  const uri = input.requestPath;
  const prefix = input.stripPath ? input.matchedPath : undefined;
  const postfix = sanitizePostfix(prefix !== undefined ? uri.slice(prefix.length) : uri.slice(1));

  if (base.endsWith('/')) {
    if (!input.stripPath) return uri === '/' ? base : base + uri.slice(1);
    if (postfix === '') {
      if (base === '/') return '/';
      return uri.endsWith('/') ? base : base.slice(0, -1);
    }
    return postfix.startsWith('/') ? base + postfix.slice(1) : base + postfix;
  }
  if (!input.stripPath) return uri === '/' ? base : base + uri;
  if (postfix === '') return uri.length > 1 && uri.endsWith('/') ? `${base}/` : base;
  return postfix.startsWith('/') ? base + postfix : `${base}/${postfix}`;
}
