import { waitFor } from '../../helpers/wait';
import {
  adminJson,
  proxyCall,
  startEchoUpstream,
  startKongTarget,
  uniqueName,
  type EchoUpstream,
  type KongTarget,
} from './proxy-helpers';

interface HealthRow {
  target: string;
  health: string;
  data: { addresses: { health: string }[] };
}

// Kong's rules: kong-sim/KONG_BEHAVIOUR.md#health-checker, #upstream-health-view and
// #manual-overrides-and-checker-lifetime.
describe('health checks', () => {
  let kong: KongTarget;

  beforeAll(async () => {
    kong = await startKongTarget();
  });
  afterAll(async () => {
    await kong.close();
  });

  /** Upstream with the healthchecks given, two echo targets, service and route. */
  async function checkedUpstream(healthchecks: Record<string, unknown>) {
    const [first, second] = [await startEchoUpstream('first'), await startEchoUpstream('second')];
    const upstream = uniqueName('up');
    await adminJson(kong, 'POST', '/upstreams', { name: upstream, healthchecks });
    for (const t of [first, second])
      await adminJson(kong, 'POST', `/upstreams/${upstream}/targets`, { target: t.address });
    const service = uniqueName('svc');
    await adminJson(kong, 'POST', '/services', { name: service, host: upstream, retries: 0 });
    const path = `/${uniqueName('hc')}`;
    await adminJson(kong, 'POST', `/services/${service}/routes`, { paths: [path] });
    return {
      upstream,
      path,
      first,
      second,
      close: async () => Promise.all([first.kill(), second.kill()]),
    };
  }

  async function healthOf(upstream: string, target: EchoUpstream): Promise<string | undefined> {
    const body = await adminJson<{ data: HealthRow[] }>(
      kong,
      'GET',
      `/upstreams/${upstream}/health`,
    );
    return body.data.find((row) => row.target === target.address)?.health;
  }

  async function whoAnswers(path: string, times: number): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < times; i++)
      seen.push((await proxyCall(kong, path)).json().upstream as string);
    return seen;
  }

  const active = {
    active: {
      http_path: '/health',
      healthy: { interval: 0.2, successes: 2 },
      unhealthy: { interval: 0.2, http_failures: 2, tcp_failures: 1 },
    },
  };

  it('a target failing its health path leaves rotation after the threshold, gets no traffic, and comes back', async () => {
    const setup = await checkedUpstream(active);
    try {
      expect(await healthOf(setup.upstream, setup.first)).toBe('HEALTHY');
      setup.first.healthStatus = 500;
      await waitFor(async () => (await healthOf(setup.upstream, setup.first)) === 'UNHEALTHY', {
        what: 'first UNHEALTHY',
      });
      const before = setup.first.traffic().length;
      expect(await whoAnswers(setup.path, 6)).toEqual(Array(6).fill('second'));
      expect(setup.first.traffic()).toHaveLength(before);

      setup.first.healthStatus = 200;
      await waitFor(async () => (await healthOf(setup.upstream, setup.first)) === 'HEALTHY', {
        what: 'first HEALTHY again',
      });
      expect(await whoAnswers(setup.path, 4)).toContain('first');
    } finally {
      await setup.close();
    }
  });

  it('a dead target (listener and connections gone) fails tcp probes and leaves rotation', async () => {
    const setup = await checkedUpstream(active);
    try {
      await setup.first.kill();
      await waitFor(async () => (await healthOf(setup.upstream, setup.first)) === 'UNHEALTHY', {
        what: 'dead target UNHEALTHY',
      });
      const answers = await Promise.all([1, 2, 3, 4].map(() => proxyCall(kong, setup.path)));
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    } finally {
      await setup.close();
    }
  });

  it('statuses in neither list are ignored by active checks', async () => {
    const setup = await checkedUpstream(active);
    try {
      setup.first.healthStatus = 418;
      const probesBefore = setup.first.seen.length;
      await waitFor(() => setup.first.seen.length >= probesBefore + 4, {
        what: 'four more probes',
      });
      expect(await healthOf(setup.upstream, setup.first)).toBe('HEALTHY');
    } finally {
      await setup.close();
    }
  });

  // K:kong/runloop/balancer/healthcheckers.lua `create_healthchecker`: the HTTP subsystem zeroes
  // the intervals of active tcp checks (they belong to the stream subsystem); passive checks stay.
  it('type tcp: the proxy runs no active probes, but passive failures still count', async () => {
    const setup = await checkedUpstream({
      active: {
        type: 'tcp',
        healthy: { interval: 0.1, successes: 1 },
        unhealthy: { interval: 0.1, tcp_failures: 1 },
      },
      passive: { unhealthy: { tcp_failures: 1 } },
    });
    try {
      await setup.second.kill();
      // Ten active periods: a running tcp check would have marked the dead target by now.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await healthOf(setup.upstream, setup.second)).toBe('HEALTHY');
      // A proxied request that meets the dead target is a passive tcp failure.
      await waitFor(
        async () => {
          await proxyCall(kong, setup.path);
          return (await healthOf(setup.upstream, setup.second)) === 'UNHEALTHY';
        },
        { what: 'second UNHEALTHY from a passive tcp failure' },
      );
      expect(await healthOf(setup.upstream, setup.first)).toBe('HEALTHY');
    } finally {
      await setup.close();
    }
  });

  it('a probe that gets no answer within active.timeout counts as a timeout', async () => {
    const setup = await checkedUpstream({
      active: {
        http_path: '/hang',
        timeout: 0.2,
        healthy: { interval: 0.2, successes: 1 },
        unhealthy: { interval: 0.2, timeouts: 2 },
      },
    });
    try {
      await waitFor(async () => (await healthOf(setup.upstream, setup.first)) === 'UNHEALTHY', {
        what: 'first UNHEALTHY after two probe timeouts',
      });
    } finally {
      await setup.close();
    }
  });

  it('passive checks take a target out after http_failures proxied 500s', async () => {
    const upstream = uniqueName('up');
    const failing = await startEchoUpstream('failing', (_req, res) => {
      res.writeHead(500).end();
      return true;
    });
    const good = await startEchoUpstream('good');
    try {
      await adminJson(kong, 'POST', '/upstreams', {
        name: upstream,
        healthchecks: { passive: { unhealthy: { http_failures: 2 } } },
      });
      for (const t of [failing, good])
        await adminJson(kong, 'POST', `/upstreams/${upstream}/targets`, { target: t.address });
      const service = uniqueName('svc');
      await adminJson(kong, 'POST', '/services', { name: service, host: upstream });
      const path = `/${uniqueName('passive')}`;
      await adminJson(kong, 'POST', `/services/${service}/routes`, { paths: [path] });
      await waitFor(
        async () => (await proxyCall(kong, path)).status === 500 && failing.traffic().length >= 2,
        { what: 'two 500s' },
      );
      await waitFor(async () => (await healthOf(upstream, failing)) === 'UNHEALTHY', {
        what: 'passive UNHEALTHY',
      });
      const statuses = await Promise.all(
        [1, 2, 3].map(async () => (await proxyCall(kong, path)).status),
      );
      expect(statuses).toEqual([200, 200, 200]);
    } finally {
      await failing.kill();
      await good.kill();
    }
  });

  it('manual unhealthy/healthy overrides steer traffic; 400 when checks are off', async () => {
    const setup = await checkedUpstream({ passive: { unhealthy: { tcp_failures: 3 } } });
    try {
      await adminJson(
        kong,
        'PUT',
        `/upstreams/${setup.upstream}/targets/${setup.first.address}/unhealthy`,
      );
      expect(await healthOf(setup.upstream, setup.first)).toBe('UNHEALTHY');
      expect(await whoAnswers(setup.path, 4)).toEqual(Array(4).fill('second'));
      await adminJson(
        kong,
        'PUT',
        `/upstreams/${setup.upstream}/targets/${setup.first.address}/healthy`,
      );
      expect(await whoAnswers(setup.path, 4)).toContain('first');
    } finally {
      await setup.close();
    }
    const off = await checkedUpstream({});
    try {
      const res = await adminJson(
        kong,
        'PUT',
        `/upstreams/${off.upstream}/targets/${off.first.address}/unhealthy`,
        undefined,
        [400],
      );
      expect(res).toEqual({ message: `no healthchecker found for ${off.upstream}` });
      expect(await healthOf(off.upstream, off.first)).toBe('HEALTHCHECKS_OFF');
    } finally {
      await off.close();
    }
  });
});
