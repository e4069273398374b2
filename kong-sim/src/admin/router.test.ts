import { allowedMethods, Router } from './router';

describe('Router', () => {
  it('prefers literal segments over parameters and decodes nothing itself', () => {
    const router = new Router();
    const ok = () => ({ status: 200 });
    router.add('/plugins/{plugins}', { GET: ok });
    router.add('/plugins/enabled', { GET: ok, POST: ok });
    expect(Object.keys(router.match('/plugins/enabled')!.handlers)).toEqual(['GET', 'POST']);
    expect(router.match('/plugins/abc')!.params).toEqual({ plugins: 'abc' });
    expect(router.match('/plugins/a/b')).toBeUndefined();
  });

  it('lists Allow methods sorted, with HEAD next to GET and OPTIONS always', () => {
    const ok = () => ({ status: 200 });
    expect(allowedMethods({ POST: ok, GET: ok })).toEqual(['GET', 'HEAD', 'OPTIONS', 'POST']);
  });
});
