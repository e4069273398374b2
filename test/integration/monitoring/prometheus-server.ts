/**
 * A real Prometheus (the Debian package's `prometheus` binary) for one test: the shipped config
 * (deploy/prometheus/prometheus.yml) with its jobs pointed at local ports and 1 s intervals, and
 * the shipped rules with their `for:` shortened, so that what runs is what ships. It listens on
 * a free loopback port and keeps its data in a temporary directory it deletes when closed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from '../../helpers/ports';
import { spawnCaptured } from '../../helpers/process';
import { waitFor } from '../../helpers/wait';

export const DEPLOY_DIR = join(__dirname, '..', '..', '..', 'deploy', 'prometheus');

interface Rule {
  alert?: string;
  for?: string;
}
interface RulesFile {
  groups: { rules: Rule[] }[];
}
interface ScrapeConfig {
  job_name: string;
  static_configs?: unknown;
  dns_sd_configs?: unknown;
}

/** The shipped rules with every non-zero `for:` set to `shortFor`. */
export function rulesWithFor(shortFor: string): { text: string; original: Map<string, string> } {
  const rules = parse(
    readFileSync(join(DEPLOY_DIR, 'kong-registry.rules.yml'), 'utf8'),
  ) as RulesFile;
  const original = new Map<string, string>();
  for (const rule of rules.groups.flatMap((g) => g.rules)) {
    if (!rule.alert || rule.for === undefined) continue;
    original.set(rule.alert, rule.for);
    if (!/^0[smh]?$/.test(rule.for)) rule.for = shortFor;
  }
  return { text: stringify(rules), original };
}

/** The shipped scrape config, each job scraping `targets[job]` (host:port) every second. */
export function localConfig(targets: Record<string, string>, rulesPath: string): string {
  const config = parse(readFileSync(join(DEPLOY_DIR, 'prometheus.yml'), 'utf8')) as {
    global: Record<string, string>;
    rule_files: string[];
    scrape_configs: ScrapeConfig[];
  };
  config.global = { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' };
  config.rule_files = [rulesPath];
  for (const job of config.scrape_configs) {
    const target = targets[job.job_name];
    if (!target) throw new Error(`no local target for the shipped job ${job.job_name}`);
    delete job.dns_sd_configs;
    job.static_configs = [{ targets: [target] }];
  }
  return stringify(config);
}

export interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
}

export interface RunningPrometheus {
  url: string;
  /** GET /api/v1/<path>'s `data`. */
  api<T = unknown>(path: string): Promise<T>;
  /** An instant query's samples as [labels, value]. */
  query(expr: string): Promise<[Record<string, string>, number][]>;
  alerts(): Promise<Alert[]>;
  close(): Promise<void>;
}

/** Starts Prometheus on `config` and `rules` (YAML text); resolves once it is ready. */
export async function startPrometheus(
  config: (rulesPath: string) => string,
  rules: string,
): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'kong-registry-prometheus-'));
  const rulesPath = join(dir, 'rules.yml');
  writeFileSync(rulesPath, rules);
  writeFileSync(join(dir, 'prometheus.yml'), config(rulesPath));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawnCaptured('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  const failed = proc.exited.then(
    (code) => `prometheus exited (${code}): ${proc.stderr()}`,
    (err: Error) =>
      `prometheus could not run (${err.message}): install the Debian package prometheus (npm test does)`,
  );
  const close = async () => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGTERM');
      await proc.exited.catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}/api/v1/${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? response.status}`);
    return body.data;
  };
  try {
    await Promise.race([
      waitFor(async () => (await fetch(`${url}/-/ready`)).ok, {
        what: 'Prometheus to be ready',
        timeoutMs: 30_000,
      }),
      failed.then((why) => Promise.reject(new Error(why))),
    ]);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    url,
    api,
    async query(expr) {
      const data = await api<{
        result: { metric: Record<string, string>; value: [number, string] }[];
      }>(`query?query=${encodeURIComponent(expr)}`);
      return data.result.map((r) => [r.metric, Number(r.value[1])]);
    },
    async alerts() {
      return (await api<{ alerts: Alert[] }>('alerts')).alerts;
    },
    close,
  };
}
