// The compose stacks (docker-compose.yml: Kong + Postgres; docker-compose.dbless.yml: DB-less
// Kong) resolved by the real `docker-compose config` (Debian package, works without an engine),
// then held to the rules in docs/deploy.md. No container is started: there is no Docker engine
// on our machines; .github/workflows/e2e-real-kong.yml runs against real Kong.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  commandLine,
  composeConfig,
  dependsOn,
  findComposeProblems,
  publishedHostIps,
  resolveCompose,
  type ResolvedCompose,
} from './compose-config';
import { unknownTo } from './env-keys';

const ROOT = join(__dirname, '..', '..', '..');
const DB_FILE = 'docker-compose.yml';
const DBLESS_FILE = 'docker-compose.dbless.yml';

let db: ResolvedCompose;
let dbless: ResolvedCompose;

beforeAll(async () => {
  [db, dbless] = await Promise.all([
    resolveCompose(ROOT, DB_FILE),
    resolveCompose(ROOT, DBLESS_FILE),
  ]);
});

describe.each([
  ['Postgres', DB_FILE],
  ['DB-less', DBLESS_FILE],
])('%s stack (%s)', (_label, file) => {
  const stack = (): ResolvedCompose => (file === DB_FILE ? db : dbless);

  it('passes `docker-compose config -q`', async () => {
    await expect(composeConfig(ROOT, file, ['-q'])).resolves.toBe('');
  });

  it('passes `docker-compose --profile monitoring config -q`', async () => {
    await expect(composeConfig(ROOT, file, ['-q'], ['monitoring'])).resolves.toBe('');
  });

  it('runs Prometheus and Grafana only under the monitoring profile, on the shipped files', () => {
    const { services, volumes } = stack();
    const profiled = Object.entries(services)
      .filter(([, service]) => service.profiles !== undefined)
      .map(([name, service]) => [name, service.profiles]);
    expect(profiled.sort()).toEqual([
      ['grafana', ['monitoring']],
      ['prometheus', ['monitoring']],
    ]);
    const { prometheus, grafana } = services;
    expect(prometheus?.image).toMatch(/^prom\/prometheus:v2\./);
    expect(prometheus?.command).toContain(
      '--config.file=/etc/kong-registry/prometheus/prometheus.yml',
    );
    expect(prometheus?.volumes).toContainEqual(
      `${join(ROOT, 'deploy', 'prometheus')}:/etc/kong-registry/prometheus:ro`,
    );
    expect(grafana?.image).toMatch(/^grafana\/grafana:/);
    expect(grafana?.volumes).toEqual(
      expect.arrayContaining([
        `${join(ROOT, 'deploy', 'grafana', 'provisioning')}:/etc/grafana/provisioning:ro`,
        `${join(ROOT, 'deploy', 'grafana', 'dashboards')}:/etc/grafana/dashboards:ro`,
      ]),
    );
    expect(dependsOn(grafana!)).toEqual({ prometheus: { condition: 'service_healthy' } });
    expect(Object.keys(volumes ?? {})).toEqual(
      expect.arrayContaining(['prometheus-data', 'grafana-data']),
    );
  });

  it("points Prometheus and Grafana at this stack's services and ports", () => {
    const { registry, controller, kong } = stack().services;
    const config = parse(
      readFileSync(join(ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8'),
    ) as {
      scrape_configs: {
        job_name: string;
        dns_sd_configs?: { names: string[]; port: number }[];
        static_configs?: { targets: string[] }[];
      }[];
    };
    const jobs = Object.fromEntries(
      config.scrape_configs.map((job) => [
        job.job_name,
        job.dns_sd_configs?.map((sd) => `${sd.names.join(',')}:${sd.port}`) ??
          job.static_configs?.flatMap((c) => c.targets),
      ]),
    );
    expect(jobs).toEqual({
      'kong-registry': [`registry:${registry?.environment?.PORT}`],
      'kong-registry-controller': [`controller:${controller?.environment?.METRICS_PORT}`],
      kong: [`kong:${String(kong?.environment?.KONG_ADMIN_LISTEN).split(':')[1]}`],
    });
    // The controller's status listener must be reachable from the Prometheus container.
    expect(controller?.environment?.METRICS_HOST).toBe('0.0.0.0');
    const datasources = parse(
      readFileSync(
        join(ROOT, 'deploy', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'),
        'utf8',
      ),
    ) as { datasources: { url: string }[] };
    expect(datasources.datasources.map((d) => d.url)).toEqual(['http://prometheus:9090']);
    const providers = parse(
      readFileSync(
        join(ROOT, 'deploy', 'grafana', 'provisioning', 'dashboards', 'kong-registry.yml'),
        'utf8',
      ),
    ) as { providers: { options: { path: string } }[] };
    expect(providers.providers.map((p) => p.options.path)).toEqual(['/etc/grafana/dashboards']);
  });

  it('breaks none of the packaging rules (healthchecks, conditions, loopback, AOF)', () => {
    expect(findComposeProblems(stack())).toEqual([]);
  });

  it('runs Kong 3.9 with the Admin API on 0.0.0.0:8001 inside and 127.0.0.1:8001 outside', () => {
    const kong = stack().services.kong!;
    expect(kong.image).toBe('kong:3.9');
    expect(kong.environment?.KONG_ADMIN_LISTEN).toBe('0.0.0.0:8001');
    expect(kong.environment?.KONG_PROXY_LISTEN).toBe('0.0.0.0:8000 http2');
    expect(publishedHostIps(kong)).toEqual(
      expect.arrayContaining([
        { hostIp: '127.0.0.1', containerPort: 8001 },
        { hostIp: '127.0.0.1', containerPort: 8000 },
      ]),
    );
  });

  it('keeps Redis on AOF in a named volume', () => {
    const redis = stack().services.redis!;
    expect(redis.image).toBe('redis:7');
    expect(redis.volumes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^redis-data:\/data/)]),
    );
    expect(Object.keys(stack().volumes ?? {})).toContain('redis-data');
  });

  it('builds the registry and controller from the root Dockerfile targets', () => {
    const { registry, controller, bootstrap } = stack().services;
    expect(registry?.build?.target).toBe('registry');
    expect(bootstrap?.build?.target).toBe('registry');
    expect(controller?.build?.target).toBe('controller');
    expect(registry?.environment).toMatchObject({
      HOST: '0.0.0.0',
      REDIS_URL: 'redis://redis:6379',
      REGISTRY_JWT_SECRET_FILE: '/var/lib/kong-registry/secrets/registry-jwt-secret',
    });
    expect(controller?.environment).toMatchObject({
      REGISTRY_URL: 'http://registry:4000',
      REGISTRY_TOKEN_FILE: '/var/lib/kong-registry/secrets/admin.token',
      KONG_ADMIN_URL: 'http://kong:8001',
    });
  });

  it('starts the controller only after Redis, the registry and Kong are healthy', () => {
    expect(dependsOn(stack().services.controller!)).toEqual({
      redis: { condition: 'service_healthy' },
      registry: { condition: 'service_healthy' },
      kong: { condition: 'service_healthy' },
    });
  });

  it('sets only variables the registry and controller config modules read', () => {
    const { registry, controller } = stack().services;
    expect(unknownTo('registry/src/config.ts', Object.keys(registry?.environment ?? {}))).toEqual(
      [],
    );
    expect(
      unknownTo('kong-plugin/src/config.ts', Object.keys(controller?.environment ?? {})),
    ).toEqual([]);
  });

  it('runs the example services: orders and users from the examples image, inventory in Python', () => {
    const { orders, users, inventory, bootstrap } = stack().services;
    expect(orders?.build?.target).toBe('examples');
    expect(users?.build?.target).toBe('examples');
    expect(commandLine(orders!)).toContain('exec node examples/orders/dist/main.js');
    expect(commandLine(users!)).toContain('exec node examples/users/dist/main.js');
    expect(commandLine(inventory!)).toContain('exec python3 /app/inventory.py');
    expect(inventory?.volumes).toContainEqual(
      `${join(ROOT, 'examples', 'python-inventory')}:/app:ro`,
    );
    // Each reads the token bootstrap minted for it.
    for (const name of ['orders', 'users', 'inventory']) {
      expect(commandLine(stack().services[name]!)).toContain(`/secrets/${name}.token`);
    }
    expect(bootstrap?.environment?.SERVICES).toBe('orders users inventory');
  });
});

describe('Postgres stack only', () => {
  it('bootstraps Kong migrations as a job Kong waits for', () => {
    const migrations = db.services['kong-migrations']!;
    expect(migrations.image).toBe('kong:3.9');
    expect(JSON.stringify(migrations.command)).toContain('kong migrations bootstrap');
    expect(dependsOn(db.services.kong!)).toEqual({
      'kong-database': { condition: 'service_healthy' },
      'kong-migrations': { condition: 'service_completed_successfully' },
    });
    expect(db.services['kong-database']?.image).toBe('postgres:16');
    expect(db.services.kong?.environment?.KONG_DATABASE).toBe('postgres');
    expect(db.services.controller?.environment?.KONG_MODE).toBe('db');
  });
});

describe('DB-less stack only', () => {
  it('runs Kong without a database and the controller in dbless mode', () => {
    expect(dbless.services.kong?.environment?.KONG_DATABASE).toBe('off');
    expect(dbless.services['kong-database']).toBeUndefined();
    expect(dbless.services['kong-migrations']).toBeUndefined();
    expect(dbless.services.controller?.environment?.KONG_MODE).toBe('dbless');
  });

  it('matches the Postgres stack everywhere except Kong and the controller mode', () => {
    const shared = Object.keys(dbless.services).filter((name) => name !== 'kong');
    expect(shared.sort()).toEqual(
      Object.keys(db.services)
        .filter((name) => !['kong', 'kong-database', 'kong-migrations'].includes(name))
        .sort(),
    );
    for (const name of shared) {
      const withoutMode = (config: ResolvedCompose) => {
        const service = structuredClone(config.services[name]!);
        delete service.environment?.KONG_MODE;
        return service;
      };
      expect({ name, service: withoutMode(dbless) }).toEqual({ name, service: withoutMode(db) });
    }
  });
});

describe('findComposeProblems', () => {
  it('reports every rule a bad stack breaks', () => {
    const bad: ResolvedCompose = {
      services: {
        kong: { image: 'kong:3.9', ports: ['8001:8001/tcp', '0.0.0.0:8000:8000'] },
        redis: {
          image: 'redis:7',
          command: ['redis-server'],
          healthcheck: { test: ['CMD', 'true'] },
        },
        app: {
          depends_on: { redis: {}, job: { condition: 'service_completed_successfully' } },
          ports: [{ target: 3000, published: 3000, host_ip: '0.0.0.0' }],
          healthcheck: { disable: true },
        },
        job: { restart: 'always' },
      },
    };
    expect(findComposeProblems(bad).sort()).toEqual(
      [
        'app: depends_on redis without service_healthy/service_completed_successfully',
        'app: no healthcheck',
        'app: port 3000 published beyond loopback ("0.0.0.0")',
        'job: a one-shot job must not restart "always"',
        'kong: no healthcheck',
        'kong: port 8001 published beyond loopback ("*")',
        'kong: proxy port published on "0.0.0.0" by default (set KONG_PROXY_BIND to open it)',
        'redis: AOF persistence is off',
      ].sort(),
    );
  });
});
