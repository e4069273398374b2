/** jwt config (K:kong/plugins/jwt/schema.lua). */
import type { PluginSchema } from './types';

/** jwt. */
export const jwt: PluginSchema = {
  name: 'jwt',
  priority: 1450,
  noConsumer: true,
  config: [
    { uri_param_names: { type: 'set', default: ['jwt'], elements: { type: 'string' } } },
    { cookie_names: { type: 'set', default: [], elements: { type: 'string' } } },
    { key_claim_name: { type: 'string', default: 'iss' } },
    { secret_is_base64: { type: 'boolean', required: true, default: false } },
    { claims_to_verify: { type: 'set', elements: { type: 'string', one_of: ['exp', 'nbf'] } } },
    { anonymous: { type: 'string' } },
    { run_on_preflight: { type: 'boolean', required: true, default: true } },
    { maximum_expiration: { type: 'number', default: 0, between: [0, 31536000] } },
    { header_names: { type: 'set', default: ['authorization'], elements: { type: 'string' } } },
    { realm: { type: 'string' } },
  ],
  check(config) {
    const max = config.maximum_expiration as number;
    const claims = (config.claims_to_verify as string[] | null) ?? [];
    if (max > 0 && !claims.includes('exp'))
      return { fields: { claims_to_verify: 'expected to contain: exp' } };
    return undefined;
  },
};
