/**
 * Request-path normalisation done by Kong before routing (K:kong/router/utils.lua
 * `strip_uri_args`, which calls `normalize(uri, true)` in K:kong/tools/uri.lua): percent-encoded
 * unreserved characters are decoded, runs of slashes merged (`//orders` is `/orders`) and dot
 * segments removed. Other escapes stay encoded, so `/a%2Fb` never turns into two segments.
 */

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Decodes `%XX` escapes only when they stand for an RFC 3986 unreserved character. */
function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : escape.toUpperCase();
  });
}

/** RFC 3986 §5.2.4 remove_dot_segments. */
function removeDotSegments(path: string): string {
  const output: string[] = [];
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] ?? '';
    const last = i === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..' && output.length > 1) output.pop();
      if (last) output.push('');
      continue;
    }
    output.push(segment);
  }
  const joined = output.join('/');
  return joined.startsWith('/') ? joined : `/${joined}`;
}

/** The path Kong routes on: normalised, always starting with `/`. */
export function normalizeRequestPath(rawPath: string): string {
  const path = rawPath === '' ? '/' : rawPath;
  return removeDotSegments(decodeUnreserved(path).replace(/\/{2,}/g, '/'));
}
