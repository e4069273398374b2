import { parseSocketUrl, urlError } from './socket-url';

describe('parseSocketUrl (LuaSocket url.parse)', () => {
  it('cuts scheme, userinfo, host, port, path and query', () => {
    expect(parseSocketUrl('http://user:pw@logstash.local:8080/kong?x=1#f')).toEqual({
      scheme: 'http',
      authority: 'user:pw@logstash.local:8080',
      userinfo: 'user:pw',
      host: 'logstash.local',
      port: '8080',
      path: '/kong',
      query: 'x=1',
      fragment: 'f',
    });
  });

  it('reads an IPv6 host without its brackets', () => {
    expect(parseSocketUrl('http://[::1]:9000/')).toMatchObject({ host: '::1', port: '9000' });
  });

  it('takes a bare host:port for a scheme and a path', () => {
    expect(parseSocketUrl('logstash:8080')).toEqual({ scheme: 'logstash', path: '8080' });
  });
});

describe('urlError (typedefs.url)', () => {
  it.each([
    ['http://127.0.0.1:8080/kong', undefined],
    ['https://logs.example.com', undefined],
    ['logstash:8080', 'missing host in url'],
    ['//logstash:8080/x', 'missing scheme in url'],
    ['http://', 'missing host in url'],
    ['/just/a/path', 'missing host in url'],
  ])('%s', (value, error) => {
    expect(urlError(value)).toBe(error);
  });
});
