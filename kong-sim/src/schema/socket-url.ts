/**
 * LuaSocket's `url.parse` (the `socket.url` module Kong uses), which decides what Kong's `url`
 * typedef accepts (K:kong/db/schema/typedefs.lua `validate_url`) and where http-log sends
 * (K:kong/plugins/http-log/handler.lua `parse_url`). Not WHATWG URL parsing: the parts are cut
 * off in LuaSocket's order with its patterns, so `example.com:80` has a scheme and no host.
 */

/** The parts LuaSocket reports; absent ones are undefined. */
export interface SocketUrl {
  scheme?: string;
  authority?: string;
  userinfo?: string;
  host?: string;
  port?: string;
  path?: string;
  params?: string;
  query?: string;
  fragment?: string;
}

/** Parses like LuaSocket; undefined for the empty string (its "invalid url"). */
export function parseSocketUrl(url: string): SocketUrl | undefined {
  if (url === '') return undefined;
  const parsed: SocketUrl = {};
  let rest = url;
  const cut = (pattern: RegExp, set: (part: string) => void): void => {
    rest = rest.replace(pattern, (_match, part: string) => {
      set(part);
      return '';
    });
  };
  cut(/^([A-Za-z0-9][A-Za-z0-9+\-.]*):/, (s) => (parsed.scheme = s));
  cut(/^\/\/([^/]*)/, (a) => (parsed.authority = a));
  cut(/#([\s\S]*)$/, (f) => (parsed.fragment = f));
  cut(/\?([\s\S]*)/, (q) => (parsed.query = q));
  cut(/;([\s\S]*)/, (p) => (parsed.params = p));
  if (rest !== '') parsed.path = rest;
  if (parsed.authority === undefined) return parsed;
  let authority = parsed.authority.replace(/^([^@]*)@/, (_m, u: string) => {
    parsed.userinfo = u;
    return '';
  });
  authority = authority.replace(/:([^:\]]*)$/, (_m, p: string) => {
    parsed.port = p;
    return '';
  });
  if (authority !== '') parsed.host = /^\[(.+)\]$/.exec(authority)?.[1] ?? authority;
  return parsed;
}

/** Kong's `validate_url` message for a value, or undefined when it is a URL Kong accepts. */
export function urlError(value: string): string | undefined {
  const parsed = parseSocketUrl(value);
  if (!parsed) return 'could not parse url. invalid url';
  if (parsed.host === undefined) return 'missing host in url';
  if (parsed.scheme === undefined) return 'missing scheme in url';
  return undefined;
}
