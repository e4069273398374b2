/** What kong-sim knows about a bundled plugin: its config subschema and runtime facts. */
import type { CheckResult, FieldList, Row, ShorthandFieldList } from '../types';

/** A plugin's subschema and handler facts (K:kong/plugins/<name>/schema.lua, handler.lua). */
export interface PluginSchema {
  name: string;
  /** Handler priority; higher runs first. */
  priority: number;
  /** Plugins whose schema uses `typedefs.no_consumer` reject a `consumer` scope. */
  noConsumer?: boolean;
  config: FieldList;
  /** The `config` record's `shorthand_fields` (kong-sim/src/schema/shorthands.ts). */
  configShorthands?: ShorthandFieldList;
  /** Cross-field checks on the filled config; paths are relative to `config`. */
  check?: (config: Row) => CheckResult | undefined;
  /**
   * The `config` record's own `custom_validator`: run once its fields are valid, its message is
   * reported on `config` itself.
   */
  configCheck?: (config: Row) => string | undefined;
}
