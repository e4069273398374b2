/** acl config (K:kong/plugins/acl/schema.lua). */
import type { PluginSchema } from './types';

/** acl. */
export const acl: PluginSchema = {
  name: 'acl',
  priority: 950,
  noConsumer: true,
  config: [
    { allow: { type: 'array', elements: { type: 'string' } } },
    { deny: { type: 'array', elements: { type: 'string' } } },
    { hide_groups_header: { type: 'boolean', required: true, default: false } },
    { always_use_authenticated_groups: { type: 'boolean', required: true, default: false } },
  ],
  check(config) {
    const set = (name: string): boolean => Array.isArray(config[name]);
    if (set('allow') === set('deny'))
      return {
        entity: ["exactly one of these fields must be non-empty: 'config.allow', 'config.deny'"],
      };
    return undefined;
  },
};
