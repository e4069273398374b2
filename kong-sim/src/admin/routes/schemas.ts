/**
 * `/schemas/{entity}`, `/schemas/plugins/{name}` and their `validate` twins
 * (K:kong/api/routes/kong.lua).
 */
import { HttpError, schemaViolation } from '../../dao/errors';
import { ENTITY_KINDS, schemaOf } from '../../schema/entities';
import { pluginFields } from '../../schema/entities/plugins';
import { tagFields } from '../../schema/entities/tags';
import { PLUGIN_SCHEMAS } from '../../schema/plugins';
import {
  fieldEntries,
  type FieldDef,
  type FieldList,
  type Row,
  type ShorthandFieldList,
} from '../../schema/types';
import type { EntityKind } from '../../store/types';
import { fillDefaults, newUuid, validateRecord } from '../../schema/validate';
import { ok, readInput, type AdminContext } from '../context';
import type { Router } from '../router';

/** Kong's serialised field: functions stripped, foreign fields keep `reference` only. */
function serializeField(def: FieldDef): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(def)) {
    if (typeof value === 'function' || value === undefined) continue;
    if (key === 'fields') out.fields = serializeFields(value as FieldList);
    // A record's shorthand fields are served with it, `func` stripped (K:kong/api/api_helpers.lua
    // `schema_to_jsonable` copies every key that is not a function).
    else if (key === 'shorthand_fields') out[key] = serializeFields(value as ShorthandFieldList);
    else if (key === 'elements' || key === 'keys' || key === 'values')
      out[key] = serializeField(value as FieldDef);
    else out[key] = value;
  }
  return out;
}

function serializeFields(list: FieldList): Row[] {
  return fieldEntries(list).map(([name, def]) => ({ [name]: serializeField(def) }));
}

function entitySchemaBody(kind: EntityKind): Row {
  const schema = schemaOf(kind);
  return { fields: serializeFields(schema.fields), entity_checks: schema.entityChecks ?? [] };
}

/**
 * Entities Kong has a DAO for, so `/schemas/{name}` serves them, that kong-sim does not store
 * as rows of their own (K:kong/api/routes/kong.lua looks the name up in `kong.db`).
 */
const SCHEMA_ONLY: ReadonlyMap<string, FieldList> = new Map([['tags', tagFields]]);

/**
 * `POST /schemas/{name}/validate` for a schema-only entity: auto fields filled as on an insert,
 * then the schema's checks (K:kong/api/routes/kong.lua `validate_schema`).
 */
function validateSchemaOnly(fields: FieldList, input: Row): Row {
  const body: Row = { ...input };
  for (const [name, def] of fieldEntries(fields))
    if (def.auto && def.uuid && body[name] === undefined) body[name] = newUuid();
  const errors = validateRecord(fields, fillDefaults(fields, body));
  if (errors) throw schemaViolation(errors);
  return { message: 'schema validation successful' };
}

function pluginSchemaBody(name: string): Row {
  const fields = pluginFields(PLUGIN_SCHEMAS.get(name)).filter((item) =>
    ['consumer', 'protocols', 'config', 'route', 'service'].includes(Object.keys(item)[0] ?? ''),
  );
  return { fields: serializeFields(fields), entity_checks: [] };
}

/** Registers the schema endpoints. */
export function mountSchemaRoutes(router: Router, ctx: AdminContext): void {
  const entityKind = (name: string): EntityKind => {
    if (!ENTITY_KINDS.includes(name as EntityKind))
      throw new HttpError(404, `No entity named '${name}'`);
    return name as EntityKind;
  };
  router.add('/schemas/{name}', {
    GET: (req) => {
      const name = req.params.name as string;
      const only = SCHEMA_ONLY.get(name);
      if (only) return ok({ fields: serializeFields(only), entity_checks: [] });
      return ok(entitySchemaBody(entityKind(name)));
    },
  });
  router.add('/schemas/plugins/{name}', {
    GET: (req) => {
      const name = req.params.name as string;
      if (!PLUGIN_SCHEMAS.has(name)) throw new HttpError(404, `No plugin named '${name}'`);
      return ok(pluginSchemaBody(name));
    },
  });
  const validate = (kind: EntityKind) => (input: Row) => {
    ctx.dao.prepare(kind, { ...input }, undefined, 'insert');
    return ok({ message: 'schema validation successful' });
  };
  router.add('/schemas/{name}/validate', {
    POST: (req) => {
      const name = req.params.name as string;
      const only = SCHEMA_ONLY.get(name);
      if (only) return ok(validateSchemaOnly(only, req.body ?? {}));
      const kind = entityKind(name);
      return validate(kind)(readInput(req, kind));
    },
  });
  router.add('/schemas/plugins/validate', {
    POST: (req) => validate('plugins')(readInput(req, 'plugins')),
  });
}
