// The real Kong client decK (1.4.0, /usr/bin/deck) against the Admin API: ping, sync, dump, and a
// second sync that creates and deletes nothing
// (kong-sim/KONG_BEHAVIOUR.md#how-deck-uses-the-admin-api). decK 1.4.0 predates Kong 3 and may
// report "updates" for defaults Kong fills in: that is decK's quirk, not asserted.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { adminCall, startKongTarget, type KongTarget } from './helpers/target';

jest.setTimeout(60_000);

const STATE = `_format_version: "1.1"
_info:
  select_tags:
  - deck-contract
services:
- name: deck-orders
  url: http://orders.internal:8080/api
  routes:
  - name: deck-orders-route
    paths: [/deck-orders]
  plugins:
  - name: key-auth
    config:
      key_names: [apikey]
  - name: acl
    config:
      allow: [gold]
upstreams:
- name: deck-orders.upstream
  healthchecks:
    active:
      http_path: /health
  targets:
  - target: 127.0.0.1:9001
    weight: 100
  - target: 127.0.0.1:9002
    weight: 50
consumers:
- username: deck-alice
  keyauth_credentials:
  - key: deck-alice-key
  jwt_secrets:
  - key: deck-alice-iss
    secret: deck-alice-secret
    algorithm: HS256
  acls:
  - group: gold
plugins:
- name: rate-limiting
  config:
    minute: 100
`;

interface DeckResult {
  code: number;
  stdout: string;
  stderr: string;
}

function deck(args: string[]): Promise<DeckResult> {
  return new Promise((resolve) => {
    execFile('deck', args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function summary(out: string): { created: number; updated: number; deleted: number } {
  const read = (label: string): number =>
    Number(new RegExp(`${label}: (\\d+)`).exec(out)?.[1] ?? NaN);
  return { created: read('Created'), updated: read('Updated'), deleted: read('Deleted') };
}

let kong: KongTarget;
let dir: string;
let stateFile: string;
beforeAll(async () => {
  kong = await startKongTarget();
  dir = mkdtempSync(join(tmpdir(), 'kong-sim-deck-'));
  stateFile = join(dir, 'kong.yaml');
  writeFileSync(stateFile, STATE);
});
afterAll(async () => {
  await kong.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('decK 1.4.0 against the Admin API', () => {
  it('pings', async () => {
    const res = await deck(['ping', '--kong-addr', kong.admin]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Successfully connected to Kong!');
  });

  it('syncs services, routes, upstreams with targets, consumers with credentials, acls and plugins', async () => {
    const res = await deck(['sync', '--kong-addr', kong.admin, '-s', stateFile]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(summary(res.stdout)).toMatchObject({ created: 12, deleted: 0 });
    const consumer = await adminCall(kong, 'GET', '/consumers/deck-alice');
    expect(
      (await adminCall(kong, 'GET', `/consumers/${consumer.body.id}/jwt`)).body.data[0].key,
    ).toBe('deck-alice-iss');
    const upstream = await adminCall(kong, 'GET', '/upstreams/deck-orders.upstream');
    expect(upstream.body.healthchecks.active.http_path).toBe('/health');
  });

  it('dumps the same entities', async () => {
    const out = join(dir, 'dump.yaml');
    const res = await deck([
      'dump',
      '--kong-addr',
      kong.admin,
      '--select-tag',
      'deck-contract',
      '-o',
      out,
    ]);
    expect(res.code).toBe(0);
    const dump = parseYaml(readFileSync(out, 'utf8')) as Record<
      string,
      Array<Record<string, unknown>>
    >;
    const service = dump.services?.[0] as Record<string, unknown> & {
      routes: unknown[];
      plugins: Array<{ name: string }>;
    };
    expect(service).toMatchObject({
      name: 'deck-orders',
      host: 'orders.internal',
      port: 8080,
      path: '/api',
    });
    expect(service.routes).toEqual([
      expect.objectContaining({ name: 'deck-orders-route', paths: ['/deck-orders'] }),
    ]);
    expect(service.plugins.map((p) => p.name).sort()).toEqual(['acl', 'key-auth']);
    expect(dump.upstreams?.[0]?.targets).toEqual([
      expect.objectContaining({ target: '127.0.0.1:9001', weight: 100 }),
      expect.objectContaining({ target: '127.0.0.1:9002', weight: 50 }),
    ]);
    expect(dump.consumers?.[0]).toMatchObject({
      username: 'deck-alice',
      keyauth_credentials: [expect.objectContaining({ key: 'deck-alice-key' })],
      jwt_secrets: [
        expect.objectContaining({ key: 'deck-alice-iss', secret: 'deck-alice-secret' }),
      ],
      acls: [expect.objectContaining({ group: 'gold' })],
    });
    expect(dump.plugins?.map((p) => p.name)).toEqual(['rate-limiting']);
  });

  it('creates and deletes nothing on a second sync', async () => {
    kong.sim?.resetRequests();
    const res = await deck(['sync', '--kong-addr', kong.admin, '-s', stateFile]);
    expect(res.code).toBe(0);
    expect(summary(res.stdout)).toMatchObject({ created: 0, deleted: 0 });
    if (kong.sim) {
      const creates = kong.sim.requests().filter((r) => r.method === 'POST');
      const deletes = kong.sim.requests().filter((r) => r.method === 'DELETE');
      expect({ creates, deletes }).toEqual({ creates: [], deletes: [] });
    }
  });
});
