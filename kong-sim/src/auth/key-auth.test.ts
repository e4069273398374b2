import { authContext } from '../proxy/__tests__/auth-context';
import { aConsumer, aKeyAuth, MemoryStore } from '../proxy/__tests__/memory-store';
import { keyAuthPlugin } from './key-auth';

const defaults = {
  key_names: ['apikey'],
  key_in_header: true,
  key_in_query: true,
  key_in_body: false,
  hide_credentials: false,
  anonymous: null,
  run_on_preflight: true,
  realm: null,
};

function setup() {
  const store = new MemoryStore();
  const alice = store.put('consumers', aConsumer('alice', 'a-1'));
  const anon = store.put('consumers', aConsumer('anonymous'));
  const cred = store.put('keyauth_credentials', aKeyAuth(alice, 'secret-key'));
  return { store, alice, anon, cred };
}

// Kong's rules: K:kong/plugins/key-auth/handler.lua.
describe('key-auth access', () => {
  it.each([
    ['no key', {}, '', 'No API key found in request'],
    ['empty key', { apikey: '' }, '', 'No API key found in request'],
    ['unknown key', { apikey: 'nope' }, '', 'Unauthorized'],
    ['duplicate header', { apikey: ['a', 'b'] }, '', 'Duplicate API key found'],
    ['duplicate query arg', {}, 'apikey=a&apikey=b', 'Duplicate API key found'],
  ] as [string, Record<string, string | string[]>, string, string][])(
    '%s -> 401 %s',
    (_n, headers, query, message) => {
      const { store } = setup();
      const exit = keyAuthPlugin.access(defaults, authContext(store, { headers, query }));
      expect(exit).toEqual({
        type: 'error',
        status: 401,
        message,
        headers: { 'WWW-Authenticate': 'Key' },
      });
    },
  );

  it('sets the realm in WWW-Authenticate', () => {
    const { store } = setup();
    const exit = keyAuthPlugin.access({ ...defaults, realm: 'kong' }, authContext(store));
    expect(exit?.headers).toEqual({ 'WWW-Authenticate': 'Key realm="kong"' });
  });

  it('authenticates from the header or the query and sets consumer headers', () => {
    const { store, alice, cred } = setup();
    for (const request of [
      { headers: { ApiKey: 'secret-key', 'X-Consumer-Username': 'mallory' } },
      { query: 'apikey=secret-key' },
    ]) {
      const ctx = authContext(store, request);
      expect(keyAuthPlugin.access(defaults, ctx)).toBeUndefined();
      expect(ctx.upstreamHeaders).toMatchObject({
        'x-consumer-id': alice.id,
        'x-consumer-custom-id': 'a-1',
        'x-consumer-username': 'alice',
        'x-credential-identifier': cred.id,
        'x-anonymous-consumer': undefined,
      });
    }
  });

  it('hide_credentials removes the header and the query argument', () => {
    const { store } = setup();
    const ctx = authContext(store, {
      headers: { apikey: 'secret-key' },
      query: 'apikey=x&other=1',
    });
    expect(keyAuthPlugin.access({ ...defaults, hide_credentials: true }, ctx)).toBeUndefined();
    expect(ctx.upstreamHeaders.apikey).toBeUndefined();
    expect(ctx.query.toString()).toBe('other=1');
  });

  it('reads the body only when key_in_body is on', () => {
    const { store } = setup();
    const body = { apikey: 'secret-key' };
    expect(keyAuthPlugin.access(defaults, authContext(store, { body }))?.status).toBe(401);
    expect(
      keyAuthPlugin.access({ ...defaults, key_in_body: true }, authContext(store, { body })),
    ).toBeUndefined();
  });

  it('falls back to the anonymous consumer (by username) and marks it', () => {
    const { store, anon } = setup();
    const ctx = authContext(store, { headers: { apikey: 'wrong' } });
    expect(keyAuthPlugin.access({ ...defaults, anonymous: 'anonymous' }, ctx)).toBeUndefined();
    expect(ctx.upstreamHeaders['x-consumer-id']).toBe(anon.id);
    expect(ctx.upstreamHeaders['x-anonymous-consumer']).toBe('true');
    expect(ctx.credential).toBeUndefined();
  });

  it('skips OPTIONS when run_on_preflight is off', () => {
    const { store } = setup();
    expect(
      keyAuthPlugin.access(
        { ...defaults, run_on_preflight: false },
        authContext(store, { method: 'OPTIONS' }),
      ),
    ).toBeUndefined();
  });
});
