import { parseArgs } from 'node:util';
import { isConfigError, type RegistryTokenClaims } from '@kong-registry/sdk';
import { mintToken, parseDurationSeconds, resolveJwtKeys } from './auth/jwt';
import { loadConfig } from './config';
import { parseTargetRules } from './instances/target-policy';
import { prefixSchema, SERVICE_NAME } from './instances/validation';

const TOKEN_HELP = `Usage: kong-registry token --service NAME [--prefix /p ...] [--targets LIST] [--ttl 24h]
       kong-registry token --admin [--ttl 1h]

Mints a registry token (JWT) with the registry's own key and prints it on stdout.
Reads REGISTRY_JWT_SECRET(_FILE) (HS256) or REGISTRY_JWT_PRIVATE_KEY(_FILE) with
REGISTRY_JWT_PUBLIC_KEY(_FILE) (RS256), exactly as the registry does.

Options:
  --service NAME   a service token: may register, heartbeat and deregister only NAME
  --prefix /p      restrict the prefixes the service may claim (repeatable)
  --targets LIST   restrict the addresses its instances may register: IPs, CIDR blocks or
                   hostnames, each optionally :port, comma-separated or repeated
                   (e.g. 10.0.3.0/24); narrower than the registry's REGISTRY_ALLOWED_TARGETS
  --admin          an admin token: may do everything (consumers, /v1/state, any service)
  --ttl DURATION   lifetime: 90s, 15m, 1h, 7d (default 24h for services, 1h for admin)
  -h, --help       this help
`;

/** `kong-registry token`: prints a freshly minted token. Resolves to the exit code. */
export async function runTokenCommand(argv: string[]): Promise<number> {
  let values: {
    service?: string;
    prefix?: string[];
    targets?: string[];
    admin?: boolean;
    ttl?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        service: { type: 'string' },
        prefix: { type: 'string', multiple: true },
        targets: { type: 'string', multiple: true },
        admin: { type: 'boolean' },
        ttl: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    console.error(`kong-registry token: ${(err as Error).message}\n\n${TOKEN_HELP}`);
    return 1;
  }
  if (values.help) {
    console.log(TOKEN_HELP);
    return 0;
  }
  const fail = (message: string): number => {
    console.error(`kong-registry token: ${message}`);
    return 1;
  };
  if (Boolean(values.admin) === (values.service !== undefined))
    return fail('give exactly one of --service NAME or --admin');
  if (values.service !== undefined && !SERVICE_NAME.test(values.service)) {
    return fail(`'${values.service}' is not a service name (1-63 of [a-z0-9-])`);
  }
  if (values.admin && values.prefix) return fail('--prefix goes with --service only');
  if (values.admin && values.targets) return fail('--targets goes with --service only');
  const targets = values.targets?.flatMap((list) => list.split(',')).map((t) => t.trim());
  if (targets) {
    const { rules, problems } = parseTargetRules(targets.join(','));
    if (problems.length > 0) return fail(`--targets: ${problems.join('; ')}`);
    if (rules.length === 0) return fail('--targets: give at least one IP, CIDR block or hostname');
  }
  for (const prefix of values.prefix ?? []) {
    if (!prefixSchema.safeParse(prefix).success)
      return fail(`'${prefix}' is not a valid prefix (like /orders)`);
  }
  const ttlSeconds =
    values.ttl === undefined ? (values.admin ? 3600 : 86_400) : parseDurationSeconds(values.ttl);
  if (ttlSeconds === null)
    return fail(`--ttl '${values.ttl ?? ''}' is not a duration like 90s, 15m, 1h or 7d`);

  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (isConfigError(err)) return fail(err.message);
    throw err;
  }
  if (config.jwt.ephemeral) {
    return fail(
      'set REGISTRY_JWT_SECRET (or REGISTRY_JWT_PRIVATE_KEY with REGISTRY_JWT_PUBLIC_KEY) to the value the registry uses',
    );
  }
  if (config.jwt.algorithm === 'RS256' && !config.jwt.privateKey) {
    return fail('RS256 tokens are signed with REGISTRY_JWT_PRIVATE_KEY (or _FILE); it is not set');
  }
  const claims: RegistryTokenClaims = values.admin
    ? { role: 'admin' }
    : {
        role: 'service',
        service: values.service ?? '',
        ...(values.prefix ? { prefixes: values.prefix } : {}),
        ...(targets ? { targets: targets.filter((t) => t !== '') } : {}),
      };
  console.log(mintToken(resolveJwtKeys(config.jwt), claims, { ttlSeconds }));
  return 0;
}
