/**
 * deploy/systemd/kr-agent@.service and its example env files must produce an agent command
 * line that the agent accepts, with the meaning the unit's comments promise.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAgentConfig, parseAgentFlags } from '../../../cli/src/agent';
import { ROOT } from './harness';

const SYSTEMD = join(ROOT, 'deploy', 'systemd');

/** KEY=value lines of an env file (systemd's EnvironmentFile= subset the examples use). */
function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

/** `Environment=K=V` defaults of the unit. */
function unitDefaults(unit: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of unit.matchAll(/^Environment=([A-Za-z_]+)=(.*)$/gm))
    env[match[1]!] = match[2]!;
  return env;
}

/**
 * ExecStart as systemd would run it: `${VAR}` substituted as one word, `$VAR` split on
 * whitespace, `%i` the instance name, `%d` the credentials directory.
 */
function execArgs(
  unit: string,
  env: Record<string, string>,
  instance: string,
  credDir: string,
): string[] {
  const line = /^ExecStart=(.*)$/m.exec(unit)?.[1];
  if (!line) throw new Error('kr-agent@.service has no ExecStart');
  return line.split(/\s+/).flatMap((word) => {
    if (/^\$[A-Za-z_]+$/.test(word)) return (env[word.slice(1)] ?? '').split(/\s+/).filter(Boolean);
    return [
      word
        .replace(/\$\{([A-Za-z_]+)\}/g, (_, name: string) => env[name] ?? '')
        .replace(/%i/g, instance)
        .replace(/%d/g, credDir),
    ];
  });
}

describe('kr-agent@.service', () => {
  it('runs an agent command line the agent accepts, with the documented meaning', () => {
    const unit = readFileSync(join(SYSTEMD, 'kr-agent@.service'), 'utf8');
    const env = {
      ...unitDefaults(unit),
      ...readEnvFile(join(SYSTEMD, 'env', 'agent.env')),
      ...readEnvFile(join(SYSTEMD, 'env', 'services', 'orders.env')),
    };
    const credDir = mkdtempSync(join(tmpdir(), 'kr-cred-'));
    try {
      writeFileSync(join(credDir, 'token'), 'a-service-token\n');
      const args = execArgs(unit, env, 'orders', credDir);
      const agentAt = args.indexOf('agent');
      expect(args[agentAt - 1]).toMatch(/cli\/bin\/kong-registry\.js$/);
      // The service's env file also holds the app's own HOST/PORT: the agent must not take them.
      const config = loadAgentConfig(parseAgentFlags(args.slice(agentAt + 1)).values, env);
      expect(config).toMatchObject({
        service: 'orders',
        port: Number(env.PORT),
        host: env.ADVERTISE_HOST,
        prefix: '/orders',
        auth: 'key-auth',
        registryUrl: env.REGISTRY_URL,
        logLevel: env.LOG_LEVEL,
        token: { kind: 'file', path: join(credDir, 'token') },
        kongHealthPath: env.HEALTH_PATH,
        health: { url: `http://${env.PUBLISH_ADDRESS}:${env.PORT}${env.HEALTH_PATH}` },
      });
      // The unit's stop timeout leaves room for the agent's default drain wait.
      const stopSeconds = Number(/^TimeoutStopSec=(\d+)s?$/m.exec(unit)?.[1]);
      expect(stopSeconds * 1000).toBeGreaterThan(config.drainMs + 15_000);
    } finally {
      rmSync(credDir, { recursive: true, force: true });
    }
  });
});
