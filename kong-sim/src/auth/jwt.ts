import { configValue, loadConsumer, setConsumer } from './consumer';
import { runAuthentication } from './anonymous';
import {
  checkMaximumExpiration,
  decodeJwt,
  verifyJwtSignature,
  verifyRegisteredClaims,
} from './jwt-token';
import type { AccessPlugin, AuthContext, PluginExit } from './types';

/**
 * Every distinct token found in the query, cookies and `Bearer` headers
 * (K:kong/plugins/jwt/handler.lua `retrieve_tokens`).
 */
function collectTokens(config: Record<string, unknown>, ctx: AuthContext): Set<string> {
  const tokens = new Set<string>();
  for (const name of configValue<string[]>(config, 'uri_param_names', ['jwt'])) {
    for (const value of ctx.query.getAll(name)) if (value !== '') tokens.add(value);
  }
  for (const name of configValue<string[]>(config, 'cookie_names', [])) {
    const value = ctx.cookies[name];
    if (value) tokens.add(value);
  }
  for (const name of configValue<string[]>(config, 'header_names', ['authorization'])) {
    const value = ctx.requestHeaders[name.toLowerCase()]?.[0];
    const match = value === undefined ? null : /^\s*[Bb]earer\s+(.+)/.exec(value);
    if (match?.[1]) tokens.add(match[1]);
  }
  return tokens;
}

function authenticate(config: Record<string, unknown>, ctx: AuthContext): PluginExit | undefined {
  const realm = configValue<string | null>(config, 'realm', null);
  const base = realm ? `Bearer realm="${realm}"` : 'Bearer';
  const invalid = { 'WWW-Authenticate': `${base} error="invalid_token"` };
  const fail = (message: string): PluginExit => ({
    type: 'exit',
    status: 401,
    body: { message },
    headers: invalid,
  });

  const tokens = collectTokens(config, ctx);
  if (tokens.size > 1) return fail('Multiple tokens provided');
  const [token] = tokens;
  if (token === undefined) {
    return {
      type: 'exit',
      status: 401,
      body: { message: 'Unauthorized' },
      headers: { 'WWW-Authenticate': base },
    };
  }
  const jwt = decodeJwt(token);
  if ('error' in jwt) return fail(`Bad token; ${jwt.error}`);

  const claimName = configValue(config, 'key_claim_name', 'iss');
  const keyValue = jwt.claims[claimName] ?? jwt.header[claimName];
  if (keyValue === undefined || keyValue === null)
    return fail(`No mandatory '${claimName}' in claims`);
  if (keyValue === '') return fail(`Invalid '${claimName}' in claims`);
  const secret = ctx.store.list('jwt_secrets').find((s) => s.key === keyValue);
  if (!secret) return fail(`No credentials found for given '${claimName}'`);

  const algorithm = secret.algorithm || 'HS256';
  if (jwt.header.alg !== algorithm) return fail('Invalid algorithm');
  const raw = algorithm.startsWith('HS') ? secret.secret : secret.rsa_public_key;
  const key =
    raw && configValue(config, 'secret_is_base64', false) ? Buffer.from(raw, 'base64') : raw;
  if (!key || key.length === 0) return fail('Invalid key/secret');
  if (!verifyJwtSignature(jwt, algorithm, key)) return fail('Invalid signature');

  const now = ctx.now();
  const claimErrors = verifyRegisteredClaims(
    jwt.claims,
    configValue<string[] | null>(config, 'claims_to_verify', null),
    now,
  );
  if (claimErrors) return { type: 'exit', status: 401, body: claimErrors, headers: invalid };
  const maximum = configValue(config, 'maximum_expiration', 0);
  if (maximum > 0) {
    const expErrors = checkMaximumExpiration(jwt.claims, maximum, now);
    if (expErrors) return { type: 'exit', status: 401, body: expErrors, headers: invalid };
  }

  const consumer = loadConsumer(ctx.store, secret.consumer.id);
  if (!consumer) return fail(`Could not find consumer for '${claimName}=${String(keyValue)}'`);
  setConsumer(ctx, consumer, { id: secret.id, identifier: secret.key });
  return undefined;
}

/** jwt (K:kong/plugins/jwt/handler.lua), priority 1450. */
export const jwtPlugin: AccessPlugin = {
  name: 'jwt',
  priority: 1450,
  access: (config, ctx) => runAuthentication(config, ctx, () => authenticate(config, ctx)),
};
