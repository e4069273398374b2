/** rate-limiting config (K:kong/plugins/rate-limiting/schema.lua). */
import { deprecatedShorthand } from '../shorthands';
import * as t from '../typedefs';
import type { FieldDef } from '../types';
import type { PluginSchema } from './types';

const PERIODS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;
const limit: FieldDef = { type: 'number', gt: 0 };

/** rate-limiting. */
export const rateLimiting: PluginSchema = {
  name: 'rate-limiting',
  priority: 910,
  config: [
    ...PERIODS.map((period) => ({ [period]: limit })),
    {
      limit_by: {
        type: 'string',
        default: 'consumer',
        one_of: ['consumer', 'credential', 'ip', 'service', 'header', 'path'],
      },
    },
    { header_name: { type: 'string' } },
    { path: { type: 'string', starts_with: '/' } },
    { policy: { type: 'string', default: 'local', one_of: ['local', 'cluster', 'redis'] } },
    { fault_tolerant: { type: 'boolean', required: true, default: true } },
    // The shared Redis record of Kong's OSS plugins (K:kong/tools/redis/schema.lua).
    {
      redis: {
        type: 'record',
        fields: [
          { host: t.host },
          { port: { ...t.port, default: 6379 } },
          // typedefs.timeout allows 0 (kong-sim's t.timeout is services' nonzero_timeout).
          { timeout: { type: 'integer', between: [0, 2147483646], default: 2000 } },
          { username: { type: 'string' } },
          { password: { type: 'string', len_min: 0 } },
          { database: { type: 'integer', default: 0 } },
          { ssl: { type: 'boolean', required: false, default: false } },
          { ssl_verify: { type: 'boolean', required: false, default: false } },
          { server_name: { type: 'string', required: false } },
        ],
      },
    },
    { hide_client_headers: { type: 'boolean', required: true, default: false } },
    { error_code: { type: 'number', default: 429, gt: 0 } },
    { error_message: { type: 'string', default: 'API rate limit exceeded' } },
    { sync_rate: { type: 'number', default: -1 } },
  ],
  // The flat `redis_*` settings of Kong before 3.6, each standing for a field of `config.redis`
  // (the schema's `shorthand_fields`, marked for removal in 4.0).
  configShorthands: (
    [
      ['redis_host', 'host', { type: 'string' }],
      ['redis_port', 'port', { type: 'integer' }],
      ['redis_password', 'password', { type: 'string', len_min: 0 }],
      ['redis_username', 'username', { type: 'string' }],
      ['redis_ssl', 'ssl', { type: 'boolean' }],
      ['redis_ssl_verify', 'ssl_verify', { type: 'boolean' }],
      ['redis_server_name', 'server_name', { type: 'string' }],
      ['redis_timeout', 'timeout', { type: 'integer' }],
      ['redis_database', 'database', { type: 'integer' }],
    ] as const
  ).map(([name, field, def]) => deprecatedShorthand('rate-limiting', name, ['redis', field], def)),
  check(config) {
    const set = PERIODS.filter((p) => typeof config[p] === 'number');
    if (set.length === 0)
      return {
        entity: [
          "at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'",
        ],
      };
    for (let i = 1; i < set.length; i++) {
      const shorter = set[i - 1] as (typeof PERIODS)[number];
      const longer = set[i] as (typeof PERIODS)[number];
      if ((config[longer] as number) < (config[shorter] as number))
        return {
          entity: [
            `The limit for ${longer}(${String(config[longer])}) cannot be lower than the limit for ${shorter}(${String(config[shorter])})`,
          ],
        };
    }
    return undefined;
  },
};
