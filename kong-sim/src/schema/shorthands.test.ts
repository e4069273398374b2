import { pluginFields } from './entities/plugins';
import { PLUGIN_SCHEMAS } from './plugins';
import { echoShorthandFields, expandShorthandFields, hideShorthandFields } from './shorthands';
import type { Row } from './types';

// K:kong/db/schema/init.lua `process_auto_fields` and `validate_deprecation_exclusiveness`,
// K:kong/tools/table.lua `null_aware_table_merge`, on rate-limiting's config shorthands.
const fields = pluginFields(PLUGIN_SCHEMAS.get('rate-limiting'));
const expand = (config: Row) => expandShorthandFields(fields, { name: 'rate-limiting', config });

describe('expandShorthandFields', () => {
  it('moves a shorthand into its record and keeps the record’s other values', () => {
    const out = expand({ redis_port: 6380, redis: { host: 'h.test' } });
    expect(out.row?.config).toEqual({ redis: { host: 'h.test', port: 6380 } });
  });

  it('lets the new field win when the shorthand is null, and never overrides it', () => {
    expect(expand({ redis_host: null, redis: { host: 'h.test' } }).row?.config).toEqual({
      redis: { host: 'h.test' },
    });
    expect(expand({ redis_host: null }).row?.config).toEqual({ redis: { host: null } });
  });

  it('does not see a false new value as a conflict (Kong tests it for truthiness); false stays', () => {
    expect(expand({ redis_ssl: true, redis: { ssl: false } }).row?.config).toEqual({
      redis: { ssl: false },
    });
  });

  it('reports a conflict and a bad type under the bare shorthand names', () => {
    expect(expand({ redis_port: 1, redis: { port: 2 } }).errors).toEqual({
      redis_port:
        'both deprecated and new field are used but their values mismatch: redis_port = 1 vs redis.port = 2',
    });
    expect(expand({ redis_ssl: 'yes', redis_host: 7 }).errors).toEqual({
      redis_ssl: 'expected a boolean',
      redis_host: 'expected a string',
    });
  });

  it('returns the same object when there is nothing to translate', () => {
    const input = { name: 'rate-limiting', config: { minute: 1 } };
    expect(expandShorthandFields(fields, input).row).toBe(input);
  });
});

describe('echoShorthandFields and hideShorthandFields', () => {
  it('echoes each deprecated shorthand from its path and hides them again', () => {
    const row: Row = { config: { redis: { host: 'h.test', port: null } } };
    echoShorthandFields(fields, row);
    expect(row.config).toMatchObject({ redis_host: 'h.test', redis_port: null });
    expect(row.config).not.toHaveProperty('redis_database');
    expect(hideShorthandFields(fields, row)).toEqual({
      config: { redis: { host: 'h.test', port: null } },
    });
  });
});
