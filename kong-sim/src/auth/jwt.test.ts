import { generateKeyPairSync } from 'node:crypto';
import jsonwebtoken from 'jsonwebtoken';
import { authContext } from '../proxy/__tests__/auth-context';
import { aConsumer, aJwtSecret, MemoryStore } from '../proxy/__tests__/memory-store';
import { jwtPlugin } from './jwt';

const defaults = {
  uri_param_names: ['jwt'],
  cookie_names: [],
  header_names: ['authorization'],
  key_claim_name: 'iss',
  secret_is_base64: false,
  claims_to_verify: null,
  anonymous: null,
  run_on_preflight: true,
  maximum_expiration: 0,
  realm: null,
};
const NOW = 1_700_000_000;
const INVALID = { 'WWW-Authenticate': 'Bearer error="invalid_token"' };

function setup() {
  const store = new MemoryStore();
  const alice = store.put('consumers', aConsumer('alice'));
  const hs = store.put('jwt_secrets', aJwtSecret(alice, { key: 'hs-key', secret: 'shh' }));
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  store.put(
    'jwt_secrets',
    aJwtSecret(alice, { key: 'rs-key', algorithm: 'RS256', rsa_public_key: pem, secret: null }),
  );
  return { store, alice, hs, privateKey };
}

function run(store: MemoryStore, token: string | undefined, config = defaults) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const ctx = authContext(store, { headers }, NOW);
  return { exit: jwtPlugin.access(config, ctx), ctx };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const sign = (payload: object, secret = 'shh', options: jsonwebtoken.SignOptions = {}) =>
  jsonwebtoken.sign(payload, secret, { algorithm: 'HS256', noTimestamp: true, ...options });

// Kong's rules: K:kong/plugins/jwt/handler.lua.
describe('jwt access', () => {
  it('authenticates HS256 and sets the credential identifier to the jwt key', () => {
    const { store, alice } = setup();
    const { exit, ctx } = run(store, sign({ iss: 'hs-key' }));
    expect(exit).toBeUndefined();
    expect(ctx.upstreamHeaders['x-consumer-id']).toBe(alice.id);
    expect(ctx.upstreamHeaders['x-credential-identifier']).toBe('hs-key');
  });

  it('authenticates RS256 with rsa_public_key', () => {
    const { store, privateKey } = setup();
    const token = jsonwebtoken.sign({ iss: 'rs-key' }, privateKey, { algorithm: 'RS256' });
    expect(run(store, token).exit).toBeUndefined();
  });

  it('accepts a base64 secret when secret_is_base64', () => {
    const { store, alice } = setup();
    store.put(
      'jwt_secrets',
      aJwtSecret(alice, { key: 'b64', secret: Buffer.from('raw-secret').toString('base64') }),
    );
    expect(
      run(store, sign({ iss: 'b64' }, 'raw-secret'), { ...defaults, secret_is_base64: true }).exit,
    ).toBeUndefined();
  });

  it.each([
    ['no token', undefined, { message: 'Unauthorized' }],
    ['garbage', 'abc', { message: 'Bad token; invalid JSON' }],
    [
      'alg none',
      `${b64({ alg: 'none' })}.${b64({ iss: 'hs-key' })}.`,
      { message: 'Bad token; invalid alg' },
    ],
    [
      'null claims',
      `${b64({ alg: 'HS256' })}.${b64(null)}.x`,
      { message: 'Bad token; invalid claims' },
    ],
    ['no iss', sign({ sub: 'x' }), { message: "No mandatory 'iss' in claims" }],
    ['empty iss', sign({ iss: '' }), { message: "Invalid 'iss' in claims" }],
    ['unknown iss', sign({ iss: 'who' }), { message: "No credentials found for given 'iss'" }],
    [
      'wrong alg',
      sign({ iss: 'hs-key' }, 'shh', { algorithm: 'HS512' }),
      { message: 'Invalid algorithm' },
    ],
    ['bad signature', sign({ iss: 'hs-key' }, 'other'), { message: 'Invalid signature' }],
  ] as [string, string | undefined, object][])('%s -> 401 %j', (_n, token, body) => {
    const { store } = setup();
    const { exit } = run(store, token);
    expect(exit).toMatchObject({ type: 'exit', status: 401, body });
    expect(exit?.headers).toEqual(token ? INVALID : { 'WWW-Authenticate': 'Bearer' });
  });

  it('checks exp and nbf only when listed in claims_to_verify', () => {
    const { store } = setup();
    const expired = sign({ iss: 'hs-key', exp: NOW - 1 });
    expect(run(store, expired).exit).toBeUndefined();
    expect(
      run(store, expired, { ...defaults, claims_to_verify: ['exp'] as never }).exit,
    ).toMatchObject({ status: 401, body: { exp: 'token expired' } });
    const early = sign({ iss: 'hs-key', nbf: NOW + 60 });
    expect(
      run(store, early, { ...defaults, claims_to_verify: ['nbf'] as never }).exit,
    ).toMatchObject({ body: { nbf: 'token not valid yet' } });
    expect(
      run(store, sign({ iss: 'hs-key' }), { ...defaults, claims_to_verify: ['exp'] as never }).exit,
    ).toMatchObject({ body: { exp: 'must be a number' } });
  });

  it('enforces maximum_expiration', () => {
    const { store } = setup();
    const config = { ...defaults, claims_to_verify: ['exp'] as never, maximum_expiration: 60 };
    expect(run(store, sign({ iss: 'hs-key', exp: NOW + 3600 }), config).exit).toMatchObject({
      body: { exp: 'exceeds maximum allowed expiration' },
    });
    expect(run(store, sign({ iss: 'hs-key', exp: NOW + 30 }), config).exit).toBeUndefined();
    const noExp = { ...defaults, maximum_expiration: 60 };
    expect(run(store, sign({ iss: 'hs-key' }), noExp).exit).toMatchObject({
      body: { exp: 'exceeds maximum allowed expiration' },
    });
  });

  it('rejects several different tokens', () => {
    const { store } = setup();
    const ctx = authContext(
      store,
      { headers: { authorization: `Bearer ${sign({ iss: 'hs-key' })}` }, query: 'jwt=other' },
      NOW,
    );
    expect(jwtPlugin.access(defaults, ctx)).toMatchObject({
      status: 401,
      body: { message: 'Multiple tokens provided' },
    });
  });

  it('reads tokens from cookies listed in cookie_names', () => {
    const { store } = setup();
    const ctx = authContext(store, { cookies: { session: sign({ iss: 'hs-key' }) } }, NOW);
    expect(
      jwtPlugin.access({ ...defaults, cookie_names: ['session'] as never }, ctx),
    ).toBeUndefined();
  });
});
