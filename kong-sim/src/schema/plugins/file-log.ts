/** file-log config (K:kong/plugins/file-log/schema.lua). */
import * as t from '../typedefs';
import type { PluginSchema } from './types';

/** Kong's pattern refuses `*`, `&`, `%`, `\` and backquotes anywhere in the path. */
const FILENAME = /^[^*&%\\`]+$/;

/** file-log. */
export const fileLog: PluginSchema = {
  name: 'file-log',
  priority: 9,
  config: [
    {
      path: {
        type: 'string',
        required: true,
        err: 'not a valid filename',
        custom: (v) => (FILENAME.test(String(v)) ? undefined : 'not a valid filename'),
      },
    },
    { reopen: { type: 'boolean', required: true, default: false } },
    { custom_fields_by_lua: t.luaCode },
  ],
};
