import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parse } from 'yaml';

/**
 * The parts of a resolved compose file (`docker-compose config`) the packaging tests look at.
 * `docker-compose config` is the source of truth, not the YAML as written: it applies anchors,
 * merges, interpolation and defaults exactly as `up` would.
 */
export interface ResolvedService {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | null>;
  ports?: (string | { target: number; published?: number | string; host_ip?: string })[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition?: string }> | string[];
  volumes?: (string | { source?: string; target: string })[];
  restart?: string;
  /** Started only when one of these profiles is (`--profile monitoring`). */
  profiles?: string[];
}

/** A resolved compose project. */
export interface ResolvedCompose {
  services: Record<string, ResolvedService>;
  volumes?: Record<string, unknown>;
}

const run = promisify(execFile);

/**
 * Variables the compose files interpolate. Cleared so that a developer's shell (say
 * KONG_PROXY_BIND=0.0.0.0) cannot change what the tests see.
 */
const INTERPOLATED = [
  'KONG_PROXY_BIND',
  'KONG_PG_PASSWORD',
  'LOG_LEVEL',
  'GRAFANA_ADMIN_PASSWORD',
  'COMPOSE_PROFILES',
  'COMPOSE_FILE',
];

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of INTERPOLATED) delete env[name];
  return env;
}

/**
 * Runs `docker-compose -f FILE [--profile P]... config [extra]` in `cwd`; rejects with its stderr
 * on failure.
 */
export async function composeConfig(
  cwd: string,
  file: string,
  extra: string[] = [],
  profiles: string[] = [],
): Promise<string> {
  const global = ['-f', file, ...profiles.flatMap((p) => ['--profile', p])];
  try {
    const { stdout } = await run('docker-compose', [...global, 'config', ...extra], {
      cwd,
      env: cleanEnv(),
      maxBuffer: 10 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        'docker-compose is not installed: `npm test` (scripts/test.sh) installs the Debian package docker-compose',
        { cause: err },
      );
    }
    throw new Error(`docker-compose -f ${file} config failed: ${e.stderr ?? e.message}`, {
      cause: err,
    });
  }
}

/** `docker-compose config` parsed. */
export async function resolveCompose(cwd: string, file: string): Promise<ResolvedCompose> {
  return parse(await composeConfig(cwd, file)) as ResolvedCompose;
}

/** The host address a published port binds to ('' means every interface). */
export function publishedHostIps(
  service: ResolvedService,
): { hostIp: string; containerPort: number }[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'string') {
      // [host_ip:]published:target[/proto], host_ip may be an IPv6 literal in brackets.
      const spec = port.replace(/\/(tcp|udp)$/, '');
      const parts = spec.match(/^(?:(\[[^\]]+\]|[^:]*):)?(?:(\d*):)?(\d+)$/);
      if (!parts) throw new Error(`cannot parse port "${port}"`);
      const hasHost = parts[2] !== undefined;
      return { hostIp: hasHost ? (parts[1] ?? '') : '', containerPort: Number(parts[3]) };
    }
    return { hostIp: port.host_ip ?? '', containerPort: port.target };
  });
}

/** Services others wait for with `service_completed_successfully`: one-shot jobs. */
export function jobNames(config: ResolvedCompose): Set<string> {
  const jobs = new Set<string>();
  for (const service of Object.values(config.services)) {
    for (const [name, dep] of Object.entries(dependsOn(service))) {
      if (dep.condition === 'service_completed_successfully') jobs.add(name);
    }
  }
  return jobs;
}

/** depends_on in its long form; the short (list) form has no conditions. */
export function dependsOn(service: ResolvedService): Record<string, { condition?: string }> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, {}]));
  return deps;
}

/** The command line as one string, whichever form the file used. */
export function commandLine(service: ResolvedService): string {
  const cmd = service.command ?? '';
  return Array.isArray(cmd) ? cmd.join(' ') : cmd;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', '::1']);

/**
 * Everything in a resolved compose project that breaks the packaging rules (docs/deploy.md):
 * long-running services without a healthcheck, depends_on without a condition, ports published
 * beyond loopback other than the proxy's, Kong's Admin API (8001) published anywhere but
 * loopback, Redis without AOF. Pure, so the rules themselves are tested on bad input too.
 */
export function findComposeProblems(config: ResolvedCompose): string[] {
  const problems: string[] = [];
  const jobs = jobNames(config);
  for (const [name, service] of Object.entries(config.services)) {
    const hc = service.healthcheck;
    if (!jobs.has(name) && (!hc || hc.disable === true || hc.test === undefined)) {
      problems.push(`${name}: no healthcheck`);
    }
    if (
      jobs.has(name) &&
      service.restart !== undefined &&
      !/^(no|on-failure)/.test(service.restart)
    ) {
      problems.push(`${name}: a one-shot job must not restart "${service.restart}"`);
    }
    for (const [dep, spec] of Object.entries(dependsOn(service))) {
      if (!config.services[dep]) problems.push(`${name}: depends on unknown service ${dep}`);
      if (
        spec.condition !== 'service_healthy' &&
        spec.condition !== 'service_completed_successfully'
      ) {
        problems.push(
          `${name}: depends_on ${dep} without service_healthy/service_completed_successfully`,
        );
      }
    }
    for (const { hostIp, containerPort } of publishedHostIps(service)) {
      if (LOOPBACK.has(hostIp)) continue;
      const isProxy = name === 'kong' && containerPort === 8000;
      problems.push(
        isProxy
          ? `${name}: proxy port published on "${hostIp || '*'}" by default (set KONG_PROXY_BIND to open it)`
          : `${name}: port ${containerPort} published beyond loopback ("${hostIp || '*'}")`,
      );
    }
  }
  const redis = config.services.redis;
  if (redis && !/--appendonly\s+yes/.test(commandLine(redis)))
    problems.push('redis: AOF persistence is off');
  return problems;
}
