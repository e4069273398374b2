// The page's only door to the registry: JSON reads under /v1 with the admin token, kept in this
// tab's sessionStorage (never in localStorage or a cookie, so it dies with the tab and is never
// sent anywhere the page did not send it itself).

const TOKEN_KEY = 'kong-registry.admin-token';

/** Thrown for a non-2xx reply; `status` and the registry's `code` let callers branch. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /** True when a (better) token would fix it. */
  get isAuth() {
    return this.status === 401 || this.status === 403;
  }
}

/** @returns {string} the stored token, or '' */
export function loadToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** @param {string} token an empty string forgets it */
export function saveToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * Picks up `#token=...` from the address (handy links from `npm run demo`: a fragment never
 * reaches a server or its logs), stores it and removes it from the address bar.
 */
export function adoptTokenFromFragment() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!match || !match[1]) return;
  saveToken(decodeURIComponent(match[1]));
  history.replaceState(null, '', location.pathname + location.search);
}

/** Request headers for the registry, with the token when there is one. */
export function authHeaders() {
  const token = loadToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/**
 * GET a JSON document from the registry.
 * @param {string} path e.g. "/v1/routes"
 * @param {AbortSignal} [signal]
 */
export async function getJson(path, signal) {
  const response = await fetch(path, {
    headers: { Accept: 'application/json', ...authHeaders() },
    cache: 'no-store',
    signal,
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const code = body && typeof body.code === 'string' ? body.code : `HTTP_${response.status}`;
    const message = body && typeof body.message === 'string' ? body.message : response.statusText;
    throw new ApiError(response.status, code, message);
  }
  return body;
}
