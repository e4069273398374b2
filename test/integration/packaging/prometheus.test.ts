// deploy/prometheus/: the alerting rules are valid (`promtool check rules`), fire as their unit
// tests say (`promtool test rules`), every alert has a unit test that sees it fire, the compose
// Prometheus config is valid (`promtool check config`), and the rules name only metrics the
// registry and the controller export, with the labels they use. promtool comes from the Debian
// package `prometheus` (installed by `npm test`). The rules on a running Prometheus:
// test/integration/monitoring/prometheus-alerts.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControllerMetrics } from '@kong-registry/kong-plugin';
import { RegistryMetrics } from '@kong-registry/registry';
import { parse } from 'yaml';
import { promtool } from './promtool';

const DIR = join(__dirname, '..', '..', '..', 'deploy', 'prometheus');
const RULES = 'kong-registry.rules.yml';
const RULE_TESTS = 'kong-registry.rules.test.yml';
const CONFIG = 'prometheus.yml';

interface RulesFile {
  groups: { rules: { alert: string; expr: string; for?: string }[] }[];
}
interface RuleTests {
  tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
}

const alerts = () =>
  (parse(readFileSync(join(DIR, RULES), 'utf8')) as RulesFile).groups.flatMap((g) => g.rules);

it('promtool check rules accepts the rules file', () => {
  const { status, output } = promtool(DIR, 'check', 'rules', RULES);
  expect(output).toMatch(/SUCCESS: 10 rules found/);
  expect(status).toBe(0);
});

it('promtool test rules: every alert fires when, and only when, its unit tests say', () => {
  const { status, output } = promtool(DIR, 'test', 'rules', RULE_TESTS);
  expect(output).toMatch(/SUCCESS/);
  expect(status).toBe(0);
});

it('every alert has a unit test that sees it fire and one that sees it quiet', () => {
  const tests = (parse(readFileSync(join(DIR, RULE_TESTS), 'utf8')) as RuleTests).tests.flatMap(
    (t) => t.alert_rule_test,
  );
  const names = alerts().map((a) => a.alert);
  expect(names).toEqual([
    'KongRegistryServiceNoHealthyInstance',
    'KongRegistryInstanceUnhealthy',
    'KongRegistryInstanceFlapping',
    'KongRegistryControllerNotConverged',
    'KongRegistryControllerNoLeader',
    'KongRegistryMassExpiryHold',
    'KongRegistryServiceQuarantined',
    'KongRegistryRedisUnreachable',
    'KongRegistryServiceGone',
    'KongRegistryInstanceSeriesCapped',
  ]);
  for (const name of names) {
    const own = tests.filter((t) => t.alertname === name);
    expect({ name, quiet: own.some((t) => t.exp_alerts.length === 0) }).toEqual({
      name,
      quiet: true,
    });
    expect({ name, fires: own.some((t) => t.exp_alerts.length > 0) }).toEqual({
      name,
      fires: true,
    });
  }
});

it('promtool check config accepts the compose Prometheus config and the rules it loads', () => {
  const { status, output } = promtool(DIR, 'check', 'config', CONFIG);
  expect(output).toMatch(/SUCCESS: 1 rule files found/);
  expect(output).toMatch(/SUCCESS: 10 rules found/);
  expect(status).toBe(0);
});

it('the rules use only metrics and labels the registry and the controller export', async () => {
  const registry = new RegistryMetrics({ defaultMetrics: false });
  const controller = new ControllerMetrics();
  const owners = new Map<string, RegistryMetrics['registry']>();
  for (const r of [registry.registry, controller.registry])
    for (const m of await r.getMetricsAsJSON()) owners.set(m.name, r);
  const exprs = alerts()
    .map((a) => a.expr)
    .join('\n');
  const used = [...new Set(exprs.match(/\b(kr|registry)_[a-z_]+\b/g))].sort();
  expect(used).toEqual([
    'kr_controller_held_target_removals',
    'kr_controller_last_converged_timestamp_seconds',
    'kr_controller_leader',
    'kr_controller_quarantined_services',
    'kr_instance_series_dropped',
    'kr_instance_up',
    'kr_service_healthy_instances',
    'kr_service_instances',
    'registry_redis_up',
  ]);
  // What the comments and annotations name exists too (`kr_instance_*` is a family).
  const mentioned = readFileSync(join(DIR, RULES), 'utf8').match(/\b(kr|registry)_[a-z_]*[a-z]\b/g);
  for (const name of new Set([...used, ...mentioned!]))
    expect({ name, exported: owners.has(name) }).toEqual({ name, exported: true });
  // The labels the rules aggregate by are the gauges' own.
  const labelsOf = (name: string) =>
    (owners.get(name)!.getSingleMetric(name) as unknown as { labelNames: string[] }).labelNames;
  expect(labelsOf('kr_instance_up')).toEqual(['service', 'instance_id', 'routed']);
  expect(labelsOf('kr_service_healthy_instances')).toEqual(['service', 'routed']);
  expect(labelsOf('kr_service_instances')).toEqual(['service', 'routed']);
  expect(labelsOf('kr_controller_held_target_removals')).toEqual(['service']);
});
