/** Consumer schema (K:kong/db/schema/entities/consumers.lua). */
import * as t from '../typedefs';
import type { EntitySchema } from '../types';

/** Consumer entity. */
export const consumers: EntitySchema = {
  name: 'consumers',
  adminPath: 'consumers',
  endpointKey: 'username',
  fields: [
    { id: t.id },
    { created_at: t.autoTimestamp },
    { updated_at: t.autoTimestamp },
    { username: { type: 'string', unique: true } },
    { custom_id: { type: 'string', unique: true } },
    { tags: t.tags },
  ],
  entityChecks: [{ at_least_one_of: ['custom_id', 'username'] }],
  check(row) {
    if (row.username === null && row.custom_id === null)
      return {
        entity: ["at least one of these fields must be non-empty: 'custom_id', 'username'"],
      };
    return undefined;
  },
};
