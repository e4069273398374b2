import { waitFor } from '../../helpers/wait';
import { adminJson, startKongTarget, uniqueName, type KongTarget } from './proxy-helpers';

interface HealthRow {
  target: string;
  health: string;
  data: { addresses: { ip: string; port: number }[] };
}

// Kong's rules: kong-sim/KONG_BEHAVIOUR.md#upstream-health-view.
describe('health view of hostname targets', () => {
  let kong: KongTarget;

  beforeAll(async () => {
    kong = await startKongTarget();
  });
  afterAll(async () => {
    await kong.close();
  });

  it('shows resolved addresses, and DNS_ERROR for a name that does not resolve', async () => {
    const upstream = uniqueName('up');
    const bad = `${uniqueName('nowhere')}.invalid:80`;
    await adminJson(kong, 'POST', '/upstreams', { name: upstream });
    await adminJson(kong, 'POST', `/upstreams/${upstream}/targets`, { target: 'localhost:8080' });
    await adminJson(kong, 'POST', `/upstreams/${upstream}/targets`, { target: bad });
    const rows = await waitFor(
      async () => {
        const body = await adminJson<{ data: HealthRow[] }>(
          kong,
          'GET',
          `/upstreams/${upstream}/health`,
        );
        const local = body.data.find((r) => r.target === 'localhost:8080');
        const broken = body.data.find((r) => r.target === bad);
        const settled =
          local?.data.addresses.some((a) => a.ip !== 'localhost') && broken?.health === 'DNS_ERROR';
        return settled ? { local, broken } : undefined;
      },
      { what: 'DNS answers in the health view' },
    );
    expect(rows.local?.data.addresses.map((a) => a.ip)).toContain('127.0.0.1');
    expect(rows.local?.data.addresses[0]?.port).toBe(8080);
    expect(rows.broken?.data.addresses).toEqual([]);
  });
});
