import { formatRoutes, renderBanner } from './banner';
import { EXAMPLES } from './services';

const routes = [
  {
    prefix: '/orders',
    service: 'orders',
    auth: { type: 'key-auth' as const, allowGroups: [] },
    stripPrefix: true,
    instances: 2,
    healthyInstances: 1,
  },
  {
    prefix: '/users',
    service: 'users',
    auth: { type: 'jwt' as const, allowGroups: ['staff'] },
    stripPrefix: false,
    instances: 1,
    healthyInstances: 1,
  },
];

describe('formatRoutes', () => {
  it('aligns the registry route table', () => {
    expect(formatRoutes(routes).split('\n')).toEqual([
      'PREFIX   SERVICE  AUTH                STRIP  INSTANCES',
      '/orders  orders   key-auth            yes    1/2 healthy',
      '/users   users    jwt (groups staff)  no     1/1 healthy',
    ]);
  });
});

describe('renderBanner', () => {
  const text = renderBanner({
    gateway: 'kong-sim',
    proxyUrl: 'http://127.0.0.1:1',
    kongAdminUrl: 'http://127.0.0.1:2',
    registryUrl: 'http://127.0.0.1:3',
    adminToken: 'ADMIN.TOKEN.VALUE',
    routes,
    consumer: { username: 'demo-1', apiKey: 'KEY123' },
    jwt: 'JWT.VALUE.SIG',
    jwtLifetime: '1 h',
    services: [EXAMPLES.orders, EXAMPLES.users, EXAMPLES.inventory],
    envFile: '/home/me/.config/kong-registry/demo.env',
  });

  it('tells another shell how to reach this demo: the env file, or one line to paste', () => {
    expect(text).toContain('/home/me/.config/kong-registry/demo.env');
    expect(text).toContain(
      'export KONG_ADMIN_URL=http://127.0.0.1:2 REGISTRY_URL=http://127.0.0.1:3 REGISTRY_TOKEN=ADMIN.TOKEN.VALUE',
    );
  });

  it('shows where everything is, with a /ui link carrying the admin token', () => {
    expect(text).toContain('Proxy (clients)   http://127.0.0.1:1');
    expect(text).toContain('http://127.0.0.1:3/ui#token=ADMIN.TOKEN.VALUE');
    expect(text).toContain('API key  KEY123');
    expect(text).toContain('JWT      JWT.VALUE.SIG');
  });

  it('prints curl commands with and without credentials for each service', () => {
    expect(text).toContain('export PROXY=http://127.0.0.1:1');
    expect(text).toContain('curl -i "$PROXY/orders/42"');
    expect(text).toContain('curl -s "$PROXY/orders/42" -H "apikey: $KEY"');
    expect(text).toContain('curl -i "$PROXY/users/me"');
    expect(text).toContain('curl -s "$PROXY/users/me" -H "Authorization: Bearer $JWT"');
    expect(text).toContain('curl -s "$PROXY/inventory/items/7"');
  });
});
