/**
 * The `tags` entity (K:kong/db/schema/entities/tags.lua): one row per tag of a tagged entity. Kong
 * keeps it as a DAO of its own, so `/schemas/tags` serves it; kong-sim derives the rows from the
 * stored entities (kong-sim/src/admin/routes/tags.ts) and only needs the schema.
 */
import * as t from '../typedefs';
import type { FieldList } from '../types';

/** Fields of a tag row. */
export const tagFields: FieldList = [
  { tag: t.tag },
  { entity_name: { type: 'string', required: true } },
  { entity_id: { ...t.id, required: true } },
];
