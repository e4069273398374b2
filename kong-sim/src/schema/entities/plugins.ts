/** Plugin schema (K:kong/db/schema/entities/plugins.lua). */
import { PLUGIN_SCHEMAS, type PluginSchema } from '../plugins';
import * as t from '../typedefs';
import type { EntitySchema, FieldDef, FieldList, Row } from '../types';

const fieldsByPlugin = new Map<PluginSchema | undefined, FieldList>();

/**
 * The entity fields with `config` (and, for no_consumer plugins, `consumer`) specialised; one list
 * per plugin, so per-list caches (fieldEntries) hit on every write.
 */
export function pluginFields(plugin: PluginSchema | undefined): FieldList {
  let fields = fieldsByPlugin.get(plugin);
  if (!fields) {
    fields = buildPluginFields(plugin);
    fieldsByPlugin.set(plugin, fields);
  }
  return fields;
}

function buildPluginFields(plugin: PluginSchema | undefined): FieldList {
  const consumer: FieldDef = plugin?.noConsumer
    ? { ...t.foreign('consumers', { on_delete: 'cascade' }), eq: null }
    : t.foreign('consumers', { on_delete: 'cascade' });
  const config: FieldDef = plugin
    ? {
        type: 'record',
        required: true,
        fields: plugin.config,
        ...(plugin.configShorthands && { shorthand_fields: plugin.configShorthands }),
      }
    : { type: 'record', required: true, fields: [] };
  return [
    { id: t.id },
    { name: { type: 'string', required: true, custom: pluginNameError } },
    { instance_name: { ...t.utf8Name } },
    { created_at: t.autoTimestamp },
    { updated_at: t.autoTimestamp },
    { route: t.foreign('routes', { on_delete: 'cascade' }) },
    { service: t.foreign('services', { on_delete: 'cascade' }) },
    { consumer },
    { config },
    {
      protocols: {
        type: 'set',
        required: true,
        default: [...t.PLUGIN_PROTOCOLS],
        elements: { type: 'string', one_of: t.PROTOCOLS },
      },
    },
    { enabled: { type: 'boolean', required: true, default: true } },
    { tags: t.tags },
  ];
}

function pluginNameError(value: unknown): string | undefined {
  return PLUGIN_SCHEMAS.has(String(value))
    ? undefined
    : `plugin '${String(value)}' not enabled; add it to the 'plugins' configuration property`;
}

/** Plugin entity. */
export const plugins: EntitySchema = {
  name: 'plugins',
  adminPath: 'plugins',
  endpointKey: 'instance_name',
  cacheKey: ['name', 'route', 'service', 'consumer'],
  fields: pluginFields(undefined),
  fieldsFor: (input: Row) => pluginFields(PLUGIN_SCHEMAS.get(String(input.name))),
  check(row) {
    const plugin = PLUGIN_SCHEMAS.get(String(row.name));
    if (!plugin || typeof row.config !== 'object' || row.config === null) return undefined;
    const config = row.config as Row;
    const invalidConfig = plugin.configCheck?.(config);
    if (invalidConfig !== undefined) return { fields: { config: invalidConfig } };
    const result = plugin.check?.(config);
    if (!result) return undefined;
    const fields: Record<string, string> = {};
    for (const [path, message] of Object.entries(result.fields ?? {}))
      fields[`config.${path}`] = message;
    return { entity: result.entity, fields };
  },
};
