// GET / reports the listeners the node really has (Kong 3.9.3: kong/api/routes/kong.lua; the
// parsing is kong/conf_loader/listeners.lua, the settings kong/conf_loader/init.lua). Runs against
// kong-sim, or real Kong when KONG_ADMIN_URL and KONG_PROXY_URL are set.
import { startKongSim } from '@kong-registry/kong-sim';
import { adminCall, startKongTarget, type KongTarget } from './helpers/target';

/** The flags of an http listener, each a boolean on the entry (absent pattern flags by pattern). */
const HTTP_FLAGS = [
  'ssl',
  'http2',
  'proxy_protocol',
  'deferred',
  'bind',
  'reuseport',
  'ipv6only=on',
  'ipv6only=off',
  'so_keepalive=on',
  'so_keepalive=off',
];

let kong: KongTarget;
beforeAll(async () => {
  kong = await startKongTarget();
});
afterAll(() => kong.close());

type Listener = Record<string, unknown>;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The entry of `list` listening on `url`'s port. */
function listenerOn(list: Listener[], url: string): Listener | undefined {
  const port = Number(new URL(url).port);
  return list.find((l) => l.port === port);
}

/**
 * Asserts the shape kong/conf_loader/listeners.lua gives a plain (no ssl) listener, with the
 * `http2` flag given (the suite's proxy has it: helpers/target.ts).
 */
function expectPlainListener(entry: Listener | undefined, url: string, http2 = false): void {
  const port = Number(new URL(url).port);
  expect(entry).toBeDefined();
  expect(entry).toMatchObject({ ip: expect.any(String), port, ssl: false, http2 });
  expect(entry!.listener).toMatch(new RegExp(`^${escapeRegExp(String(entry!.ip))}:${port}( |$)`));
  for (const flag of HTTP_FLAGS) expect(typeof entry![flag]).toBe('boolean');
}

describe('GET / listeners', () => {
  it('reports admin_listeners with an entry on the Admin API port (ip, port, listener, flags)', async () => {
    const res = await adminCall(kong, 'GET', '/');
    const conf = res.body.configuration;
    expect(Array.isArray(conf.admin_listeners)).toBe(true);
    expectPlainListener(listenerOn(conf.admin_listeners, kong.admin), kong.admin);
    const port = new URL(kong.admin).port;
    expect(conf.admin_listen).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`:${port}( |$)`))]),
    );
    expect(conf.admin_ssl_enabled).toEqual(expect.any(Boolean));
  });

  it('reports proxy_listeners with an entry on the proxy port', async () => {
    const res = await adminCall(kong, 'GET', '/');
    const conf = res.body.configuration;
    expect(Array.isArray(conf.proxy_listeners)).toBe(true);
    expectPlainListener(listenerOn(conf.proxy_listeners, kong.proxy), kong.proxy, true);
    const port = new URL(kong.proxy).port;
    expect(conf.proxy_listen).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`:${port}( |$)`))]),
    );
  });

  it('reports stream_listen off as ["off"] with stream_listeners {} (cjson encodes an empty table as an object)', async () => {
    const res = await adminCall(kong, 'GET', '/');
    expect(res.body.configuration.stream_listen).toEqual(['off']);
    expect(res.body.configuration.stream_listeners).toEqual({});
    expect(res.body.configuration.stream_proxy_ssl_enabled).toBe(false);
  });

  it('kong-sim: exactly its own admin and (http2) proxy listeners, every other listener off', async () => {
    if (!kong.sim) return; // real Kong's status and cluster listeners depend on its kong.conf
    const conf = (await adminCall(kong, 'GET', '/')).body.configuration;
    const admin = new URL(kong.admin);
    const proxy = new URL(kong.proxy);
    const plain = (ip: string, port: number, http2 = false): Listener => ({
      ip,
      port,
      listener: `${ip}:${port}`,
      ssl: false,
      http2,
      proxy_protocol: false,
      deferred: false,
      bind: false,
      reuseport: false,
      'backlog=%d+': false,
      'ipv6only=on': false,
      'ipv6only=off': false,
      'so_keepalive=on': false,
      'so_keepalive=off': false,
      'so_keepalive=%w*:%w*:%d*': false,
    });
    expect(conf.admin_listen).toEqual([admin.host]);
    expect(conf.admin_listeners).toEqual([plain(admin.hostname, Number(admin.port))]);
    // The flag shows in proxy_listen; the parsed `listener` leaves it out (listeners.lua).
    expect(conf.proxy_listen).toEqual([`${proxy.host} http2`]);
    expect(conf.proxy_listeners).toEqual([plain(proxy.hostname, Number(proxy.port), true)]);
    for (const name of ['stream', 'admin_gui', 'status', 'cluster']) {
      expect(conf[`${name}_listen`]).toEqual(['off']);
      expect(conf[`${name}_listeners`]).toEqual({});
    }
    expect(conf).toMatchObject({
      proxy_ssl_enabled: false,
      admin_ssl_enabled: false,
      admin_gui_ssl_enabled: false,
      status_ssl_enabled: false,
      stream_proxy_ssl_enabled: false,
    });
  });
});

describe('GET / listeners (kong-sim on IPv6)', () => {
  it('normalises an IPv6 host the way Kong does: expanded, in brackets', async () => {
    const sim = await startKongSim({ host: '::1' });
    try {
      const target = { admin: sim.admin, proxy: sim.proxy, close: () => sim.close() };
      const conf = (await adminCall(target, 'GET', '/')).body.configuration;
      const port = Number(new URL(sim.admin).port);
      const ip = '[0000:0000:0000:0000:0000:0000:0000:0001]';
      expect(conf.admin_listen).toEqual([`[::1]:${port}`]);
      expect(conf.admin_listeners).toEqual([
        expect.objectContaining({ ip, port, listener: `${ip}:${port}`, ssl: false }),
      ]);
    } finally {
      await sim.close();
    }
  });
});
