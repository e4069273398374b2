/**
 * Configuration of the demo's echo service (the "new service" of the tour and the e2e suite):
 * environment only, validated and frozen. Its service name is free, unlike the examples'.
 */
import { defaultPrefix, SERVICE_NAME } from '@kong-registry/sdk';

/** Settings of one echo instance. */
export interface EchoConfig {
  service: string;
  prefix: string;
  registryUrl: string;
  registryToken: string;
  instanceId: string | undefined;
  bindHost: string;
  advertiseHost: string;
  ttlSeconds: number | undefined;
  healthIntervalSeconds: number | undefined;
}

function optionalInt(
  name: string,
  value: string | undefined,
  problems: string[],
): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) problems.push(`${name} must be a whole number, not '${value}'`);
  return Number(value);
}

/** Reads the environment; throws listing every problem. */
export function loadEchoConfig(env: Record<string, string | undefined> = process.env): EchoConfig {
  const problems: string[] = [];
  const service = env.SERVICE ?? '';
  if (!SERVICE_NAME.test(service))
    problems.push(`SERVICE must be a service name, not '${service}'`);
  const registryToken = env.REGISTRY_TOKEN ?? '';
  if (registryToken === '') problems.push('REGISTRY_TOKEN is required');
  const config: EchoConfig = {
    service,
    prefix: env.PREFIX ?? defaultPrefix(service),
    registryUrl: env.REGISTRY_URL ?? 'http://127.0.0.1:4000',
    registryToken,
    instanceId: env.INSTANCE_ID || undefined,
    bindHost: env.HOST ?? '127.0.0.1',
    advertiseHost: env.ADVERTISE_HOST ?? '127.0.0.1',
    ttlSeconds: optionalInt('TTL_SECONDS', env.TTL_SECONDS, problems),
    healthIntervalSeconds: optionalInt(
      'HEALTH_INTERVAL_SECONDS',
      env.HEALTH_INTERVAL_SECONDS,
      problems,
    ),
  };
  if (problems.length > 0) throw new Error(`echo service: ${problems.join('; ')}`);
  return Object.freeze(config);
}
