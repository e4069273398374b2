// deploy/grafana/: the provisioned dashboard is well-formed JSON for the provisioned datasource,
// has the panels docs/observability.md promises, and every query parses (promtool) and names
// only metrics the registry and the controller export, or Kong's prometheus plugin does.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControllerMetrics } from '@kong-registry/kong-plugin';
import { RegistryMetrics } from '@kong-registry/registry';
import { parse, stringify } from 'yaml';
import { promtool } from './promtool';

const DIR = join(__dirname, '..', '..', '..', 'deploy', 'grafana');

/** Series of Kong's bundled prometheus plugin the dashboard may query. */
const KONG_PLUGIN_METRICS = ['kong_http_requests_total'];

interface Target {
  refId: string;
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets: Target[];
}

const dashboard = JSON.parse(
  readFileSync(join(DIR, 'dashboards', 'kong-registry.json'), 'utf8'),
) as { uid: string; title: string; panels: Panel[] };
const targets = dashboard.panels.flatMap((panel) => panel.targets.map((t) => ({ panel, t })));

/** Grafana's interval variables as Prometheus sees them once substituted. */
const substituted = (expr: string) => expr.replaceAll('$__rate_interval', '1m');

/** Metric names in a query: ours and Kong's by prefix, and Prometheus's own ALERTS. */
function metricsIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...new Set(withoutStrings.match(/\b(?:(?:kr|registry|kong)_[a-z0-9_]+|ALERTS)\b/g))];
}

it('queries the provisioned Prometheus datasource in every panel and target', () => {
  const provisioned = parse(
    readFileSync(join(DIR, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'),
  ) as { datasources: { uid: string; type: string }[] };
  const [source] = provisioned.datasources;
  expect(source).toMatchObject({ uid: 'prometheus', type: 'prometheus' });
  expect(dashboard.uid).toBe('kong-registry');
  for (const panel of dashboard.panels) {
    expect({ panel: panel.title, uid: panel.datasource.uid }).toEqual({
      panel: panel.title,
      uid: source!.uid,
    });
    expect(panel.targets.length).toBeGreaterThan(0);
    for (const t of panel.targets) expect(t.datasource).toEqual(panel.datasource);
  }
  const ids = dashboard.panels.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
});

it('has the panels the issue asks for', () => {
  const byTitle = new Map(dashboard.panels.map((p) => [p.title, p]));
  const exprs = (title: string) =>
    byTitle
      .get(title)
      ?.targets.map((t) => t.expr)
      .join('\n') ?? '';
  expect(exprs('Services by health')).toContain('kr_service_healthy_instances');
  expect(exprs('Registrations per minute')).toMatch(/rate\(registry_registrations_total\[/);
  expect(exprs('Reconcile duration')).toContain('kr_controller_reconcile_duration_seconds_bucket');
  expect(exprs('Writes per reconcile')).toContain('kr_controller_reconcile_writes_sum');
  expect(exprs('Kong requests per route')).toMatch(
    /sum by \(service, route\) \(rate\(kong_http_requests_total\[/,
  );
});

it('lays the panels out without overlap on a 24-column grid', () => {
  const boxes = dashboard.panels.map((p) => ({ title: p.title, ...p.gridPos }));
  for (const box of boxes) expect(box.x + box.w).toBeLessThanOrEqual(24);
  const overlapping = boxes.flatMap((a, i) =>
    boxes
      .slice(i + 1)
      .filter((b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h)
      .map((b) => `${a.title} / ${b.title}`),
  );
  expect(overlapping).toEqual([]);
});

it('names only metrics that the registry, the controller or Kong export', async () => {
  const known = new Set([...KONG_PLUGIN_METRICS, 'ALERTS']);
  const registries = [
    new RegistryMetrics({ defaultMetrics: false }).registry,
    new ControllerMetrics().registry,
  ];
  for (const registry of registries)
    for (const metric of await registry.getMetricsAsJSON()) {
      known.add(metric.name);
      if (String(metric.type) === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count']) known.add(`${metric.name}${suffix}`);
    }
  for (const { panel, t } of targets) {
    const used = metricsIn(t.expr);
    expect({ panel: panel.title, ref: t.refId, names: used.length > 0 }).toEqual({
      panel: panel.title,
      ref: t.refId,
      names: true,
    });
    expect({ panel: panel.title, unknown: used.filter((name) => !known.has(name)) }).toEqual({
      panel: panel.title,
      unknown: [],
    });
  }
});

it('every query parses as PromQL (promtool check rules, as recording rules)', () => {
  const rules = {
    groups: [
      {
        name: 'dashboard',
        rules: targets.map(({ panel, t }) => ({
          record: `dashboard:panel_${panel.id}_${t.refId}`,
          expr: substituted(t.expr),
        })),
      },
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), 'kong-registry-dashboard-'));
  try {
    writeFileSync(join(dir, 'rules.yml'), stringify(rules));
    const { status, output } = promtool(dir, 'check', 'rules', 'rules.yml');
    expect(output).toContain(`SUCCESS: ${targets.length} rules found`);
    expect(status).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
