/** key-auth config (K:kong/plugins/key-auth/schema.lua). */
import * as t from '../typedefs';
import type { PluginSchema } from './types';

/** key-auth. */
export const keyAuth: PluginSchema = {
  name: 'key-auth',
  priority: 1250,
  noConsumer: true,
  config: [
    { key_names: { type: 'array', required: true, default: ['apikey'], elements: t.headerName } },
    { hide_credentials: { type: 'boolean', required: true, default: false } },
    { anonymous: { type: 'string' } },
    { key_in_header: { type: 'boolean', required: true, default: true } },
    { key_in_query: { type: 'boolean', required: true, default: true } },
    { key_in_body: { type: 'boolean', required: true, default: false } },
    { run_on_preflight: { type: 'boolean', required: true, default: true } },
    { realm: { type: 'string' } },
  ],
};
