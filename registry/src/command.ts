import { parseArgs } from 'node:util';
import { isConfigError } from '@kong-registry/sdk';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { startRegistry } from './main';

const REGISTRY_HELP = `Usage: kong-registry registry [--port N] [--host ADDR]

Runs the registry HTTP API (leases in Redis). Configuration comes from the environment:

  REDIS_URL                      redis://127.0.0.1:6379
  REDIS_SENTINELS                host:port,host:port (Sentinel mode; needs REDIS_SENTINEL_NAME)
  REDIS_SENTINEL_NAME            master group name            REDIS_PASSWORD(_FILE), REDIS_DB
  PORT / HOST                    4000 / 127.0.0.1 (flags --port/--host win)
  REGISTRY_JWT_SECRET(_FILE)     HS256 secret (>= 32 characters)
  REGISTRY_JWT_PUBLIC_KEY(_FILE) RS256 public key (PEM); REGISTRY_JWT_PRIVATE_KEY(_FILE) to mint
  REGISTRY_LEASE_TTL_SECONDS     15 (bounds REGISTRY_LEASE_MIN/MAX_TTL_SECONDS 5..300)
  REGISTRY_DRAIN_SECONDS         10 (DELETE ?drain=true keeps an instance at weight 0 this long)
  REGISTRY_KEY_PREFIX            kong-registry:
  LOG_LEVEL                      info
  (all variables: registry/README.md)

With no JWT secret or key the registry still starts, on a random secret for this process only,
and prints an admin token to stderr (demo use).

Options:
  --port N      listen port (0 = any free port)
  --host ADDR   listen address
  -h, --help    this help
`;

/**
 * `kong-registry registry`: starts the registry and runs until SIGTERM/SIGINT, then shuts down
 * gracefully. Resolves to the exit code (0 after a clean stop, 1 on bad flags or config).
 */
export async function runRegistryCommand(argv: string[]): Promise<number> {
  let values: { port?: string; host?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    console.error(`kong-registry registry: ${(err as Error).message}\n\n${REGISTRY_HELP}`);
    return 1;
  }
  if (values.help) {
    console.log(REGISTRY_HELP);
    return 0;
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) {
      console.error(`kong-registry registry: --port must be 0..65535, not '${values.port}'`);
      return 1;
    }
  }
  let config;
  try {
    config = loadConfig({ host: values.host, port });
  } catch (err) {
    if (isConfigError(err)) {
      console.error(`kong-registry registry: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const logger = createLogger(config);
  const registry = await startRegistry({ config, logger });
  if (config.jwt.ephemeral && registry.adminToken) {
    process.stderr.write(
      [
        '',
        'kong-registry: no REGISTRY_JWT_SECRET set, so this registry uses a random secret that dies with it.',
        'Admin token (valid 24 h, this process only):',
        '',
        `  ${registry.adminToken}`,
        '',
        `Try: curl -H "Authorization: Bearer $TOKEN" ${registry.url}/v1/services`,
        'Set REGISTRY_JWT_SECRET (>= 32 characters) to keep tokens valid across restarts.',
        '',
      ].join('\n'),
    );
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'signal received');
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await registry.close();
  return 0;
}
