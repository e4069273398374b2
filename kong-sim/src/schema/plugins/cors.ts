/** cors config (K:kong/plugins/cors/schema.lua). */
import type { PluginSchema } from './types';

const METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'];

/** cors. */
export const cors: PluginSchema = {
  name: 'cors',
  priority: 2000,
  noConsumer: true,
  config: [
    { origins: { type: 'array', elements: { type: 'string' } } },
    { headers: { type: 'array', elements: { type: 'string' } } },
    { exposed_headers: { type: 'array', elements: { type: 'string' } } },
    { methods: { type: 'array', default: METHODS, elements: { type: 'string', one_of: METHODS } } },
    { max_age: { type: 'number' } },
    { credentials: { type: 'boolean', required: true, default: false } },
    { private_network: { type: 'boolean', required: true, default: false } },
    { preflight_continue: { type: 'boolean', required: true, default: false } },
  ],
};
