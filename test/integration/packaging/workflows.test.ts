// .github/workflows/*.yml cannot run here; this keeps them from rotting silently: they parse,
// CI runs the same `npm ci && npm test` as developers on Node 20, and the real-Kong workflow
// points the suites at Kong through KONG_ADMIN_URL / KONG_PROXY_URL in both Kong modes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
  if?: string;
}
interface Job {
  'runs-on': string;
  container?: { image: string };
  env?: Record<string, string>;
  strategy?: { matrix: Record<string, unknown[]> };
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const ROOT = join(__dirname, '..', '..', '..');
const load = (file: string): Workflow =>
  parse(readFileSync(join(ROOT, '.github', 'workflows', file), 'utf8')) as Workflow;
const runs = (job: Job): string => job.steps.map((s) => s.run ?? '').join('\n');

describe('ci.yml', () => {
  const ci = load('ci.yml');

  it('runs npm ci && npm test on Node 20 (Debian bookworm, like our machines)', () => {
    const test = ci.jobs.test!;
    expect(test.container?.image).toBe('node:20-bookworm');
    expect(runs(test)).toContain('npm ci && npm test');
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
  });

  it('builds both image targets', () => {
    const targets = ci.jobs.images!.steps.filter((s) => s.with?.target).map((s) => s.with?.target);
    expect(targets).toEqual(['registry', 'controller']);
  });
});

describe('e2e-real-kong.yml', () => {
  const e2e = load('e2e-real-kong.yml');

  it('runs the contract and e2e suites against a Postgres and a DB-less Kong 3.9', () => {
    const job = e2e.jobs.e2e!;
    expect(job.strategy?.matrix['kong-image']).toEqual(['kong:3.9']);
    // The variables test/contract/kong/helpers/target.ts reads.
    expect(job.env).toEqual({
      KONG_ADMIN_URL: 'http://127.0.0.1:8001',
      KONG_PROXY_URL: 'http://127.0.0.1:8000',
      KONG_DBLESS_ADMIN_URL: 'http://127.0.0.1:9001',
      KONG_DBLESS_PROXY_URL: 'http://127.0.0.1:9000',
    });
    expect(runs(job)).toMatch(/npx jest --ci --selectProjects contract/);
    expect(runs(job)).toMatch(/npx jest --ci --selectProjects e2e/);
    expect(runs(job)).toMatch(/kong migrations bootstrap/);
    expect(runs(job)).toMatch(/KONG_DATABASE=off/);
    expect(runs(job)).toMatch(/KONG_DATABASE=postgres/);
    // Kong listens on loopback only, even on a runner.
    expect(runs(job)).toMatch(/KONG_ADMIN_LISTEN=127\.0\.0\.1:\$admin/);
    const node = job.steps.find((s) => s.uses?.startsWith('actions/setup-node'));
    expect(node?.with?.['node-version']).toBe(20);
  });

  it('brings up both compose stacks and waits for their healthchecks', () => {
    const job = e2e.jobs.compose!;
    expect(job.strategy?.matrix.file).toEqual(['docker-compose.yml', 'docker-compose.dbless.yml']);
    expect(runs(job)).toMatch(/up -d --build --wait/);
    expect(runs(job)).toMatch(/down -v/);
  });
});
