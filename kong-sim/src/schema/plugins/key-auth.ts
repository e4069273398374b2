/** key-auth config (K:kong/plugins/key-auth/schema.lua). */
import type { PluginSchema } from './types';

const headerName = {
  type: 'string' as const,
  custom: (v: unknown) =>
    /^[A-Za-z0-9_-]+$/.test(String(v))
      ? undefined
      : `bad header name '${String(v)}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`,
};

/** key-auth. */
export const keyAuth: PluginSchema = {
  name: 'key-auth',
  priority: 1250,
  noConsumer: true,
  config: [
    { key_names: { type: 'array', required: true, default: ['apikey'], elements: headerName } },
    { hide_credentials: { type: 'boolean', required: true, default: false } },
    { anonymous: { type: 'string' } },
    { key_in_header: { type: 'boolean', required: true, default: true } },
    { key_in_query: { type: 'boolean', required: true, default: true } },
    { key_in_body: { type: 'boolean', required: true, default: false } },
    { run_on_preflight: { type: 'boolean', required: true, default: true } },
    { realm: { type: 'string' } },
  ],
};
