// deploy/prometheus/: the example alerting rules are valid (`promtool check rules`), fire as their
// unit tests say (`promtool test rules`), and name only metrics the registry exports with the
// labels they use. promtool comes from the Debian package `prometheus` (installed by `npm test`).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RegistryMetrics } from '@kong-registry/registry';

const DIR = join(__dirname, '..', '..', '..', 'deploy', 'prometheus');
const RULES = 'kong-registry.rules.yml';
const RULE_TESTS = 'kong-registry.rules.test.yml';

function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd: DIR, encoding: 'utf8' });
  if (run.error) {
    throw new Error(
      `promtool could not run (${run.error.message}): install the Debian package prometheus (npm test does)`,
    );
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

it('promtool check rules accepts the rules file', () => {
  const { status, output } = promtool('check', 'rules', RULES);
  expect(output).toMatch(/SUCCESS: 4 rules found/);
  expect(status).toBe(0);
});

it('promtool test rules: every alert fires when, and only when, its unit tests say', () => {
  const { status, output } = promtool('test', 'rules', RULE_TESTS);
  expect(output).toMatch(/SUCCESS/);
  expect(status).toBe(0);
});

it('the rules use only metrics and labels the registry exports', async () => {
  const metrics = new RegistryMetrics({ defaultMetrics: false });
  const exported = new Map(
    (await metrics.registry.getMetricsAsJSON()).map((m) => [m.name, m] as const),
  );
  const text = readFileSync(join(DIR, RULES), 'utf8');
  const used = [...new Set(text.match(/\bkr_[a-z_]+\b/g))].sort();
  expect(used).toEqual([
    'kr_instance_series_dropped',
    'kr_instance_up',
    'kr_service_healthy_instances',
    'kr_service_instances',
  ]);
  for (const name of used) expect(exported.has(name)).toBe(true);
  // The labels the rules aggregate by are the gauges' own.
  const labelsOf = (name: string) =>
    (metrics.registry.getSingleMetric(name) as unknown as { labelNames: string[] }).labelNames;
  expect(labelsOf('kr_instance_up')).toEqual(['service', 'instance_id', 'routed']);
  expect(labelsOf('kr_service_healthy_instances')).toEqual(['service', 'routed']);
  expect(labelsOf('kr_service_instances')).toEqual(['service', 'routed']);
});
