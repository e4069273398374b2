import { aPlugin } from './__tests__/memory-store';
import { createAccessPlugins, resolvePlugin } from './plugins';

// Kong's rules: kong-sim/KONG_BEHAVIOUR.md#plugin-scope-and-priority.
describe('plugin precedence', () => {
  const ids = { route: 'r', service: 's', consumer: 'c' };
  const global = aPlugin('key-auth', {}, {});
  const onService = aPlugin('key-auth', {}, { service: { id: 's' } });
  const onRoute = aPlugin('key-auth', {}, { route: { id: 'r' } });
  const onRouteService = aPlugin('key-auth', {}, { route: { id: 'r' }, service: { id: 's' } });

  it('picks the most specific scope', () => {
    expect(resolvePlugin([global, onService, onRoute], 'key-auth', 'http', ids)).toBe(onRoute);
    expect(resolvePlugin([global, onService], 'key-auth', 'http', ids)).toBe(onService);
    expect(resolvePlugin([global, onRoute, onRouteService], 'key-auth', 'http', ids)).toBe(
      onRouteService,
    );
    expect(resolvePlugin([global], 'key-auth', 'http', { ...ids, route: 'other' })).toBe(global);
    expect(
      resolvePlugin([onRoute], 'key-auth', 'http', { ...ids, route: 'other' }),
    ).toBeUndefined();
  });

  it('skips disabled instances, so a less specific one takes over', () => {
    const disabled = aPlugin('key-auth', {}, { route: { id: 'r' }, enabled: false });
    expect(resolvePlugin([global, disabled], 'key-auth', 'http', ids)).toBe(global);
  });

  it('respects protocols', () => {
    const grpcOnly = aPlugin('key-auth', {}, { protocols: ['grpc'] });
    expect(resolvePlugin([grpcOnly], 'key-auth', 'http', ids)).toBeUndefined();
  });

  it('runs cors, jwt, key-auth, acl, then rate-limiting', () => {
    expect(createAccessPlugins().map((p) => p.name)).toEqual([
      'cors',
      'jwt',
      'key-auth',
      'acl',
      'rate-limiting',
    ]);
  });
});
