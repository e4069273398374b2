import { authContext } from '../__tests__/auth-context';
import { MemoryStore } from '../__tests__/memory-store';
import { corsPlugin } from './cors';

const store = new MemoryStore();
const preflightHeaders = (origin: string) => ({ origin, 'access-control-request-method': 'POST' });

// Kong's rules: K:kong/plugins/cors/handler.lua.
describe('cors', () => {
  it('answers a preflight with 200 and the allow headers, methods comma-joined without spaces', () => {
    const exit = corsPlugin.access(
      { origins: ['http://a.test'], methods: ['GET', 'POST'], max_age: 600, credentials: true },
      authContext(store, { method: 'OPTIONS', headers: preflightHeaders('http://a.test') }),
    );
    expect(exit).toEqual({
      type: 'exit',
      status: 200,
      body: undefined,
      headers: {
        Vary: 'Origin',
        'Access-Control-Allow-Origin': 'http://a.test',
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Methods': 'GET,POST',
        'Access-Control-Max-Age': '600',
      },
    });
  });

  it('lets the preflight through with preflight_continue', () => {
    const ctx = authContext(store, {
      method: 'OPTIONS',
      headers: preflightHeaders('http://a.test'),
    });
    expect(corsPlugin.access({ preflight_continue: true }, ctx)).toBeUndefined();
    expect(ctx.responseHeaders).toEqual({});
  });

  it.each([
    [[], 'http://x.test', '*'],
    [['http://a.test', 'http://b.test'], 'http://b.test', 'http://b.test'],
    [['http://a.test', 'http://b.test'], 'http://c.test', undefined],
    [
      ['http://a.test', '(.*)\\.example\\.com'],
      'https://api.example.com',
      'https://api.example.com',
    ],
  ] as [string[], string, string | undefined][])(
    'origins %j with Origin %s -> ACAO %s',
    (origins, origin, expected) => {
      const ctx = authContext(store, { headers: { origin } });
      expect(corsPlugin.access({ origins, exposed_headers: ['X-Total'] }, ctx)).toBeUndefined();
      expect(ctx.responseHeaders['Access-Control-Allow-Origin']).toBe(expected);
      expect(ctx.responseHeaders['Access-Control-Expose-Headers']).toBe('X-Total');
    },
  );

  it('echoes the origin when credentials are allowed with origin *', () => {
    const ctx = authContext(store, { headers: { origin: 'http://x.test' } });
    corsPlugin.access({ origins: ['*'], credentials: true }, ctx);
    expect(ctx.responseHeaders).toMatchObject({
      'Access-Control-Allow-Origin': 'http://x.test',
      'Access-Control-Allow-Credentials': 'true',
    });
  });
});
