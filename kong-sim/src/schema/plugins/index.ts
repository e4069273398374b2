/** The plugins kong-sim bundles ("available on server"), by name. */
import { acl } from './acl';
import { cors } from './cors';
import { fileLog } from './file-log';
import { httpLog } from './http-log';
import { jwt } from './jwt';
import { keyAuth } from './key-auth';
import { prometheus } from './prometheus';
import { rateLimiting } from './rate-limiting';
import type { PluginSchema } from './types';

export type { PluginSchema } from './types';

/** Bundled plugins, keyed by name. */
export const PLUGIN_SCHEMAS: ReadonlyMap<string, PluginSchema> = new Map(
  [acl, cors, fileLog, httpLog, jwt, keyAuth, prometheus, rateLimiting].map((p) => [p.name, p]),
);

/** Sorted plugin names, as `/plugins/enabled` lists them. */
export function bundledPluginNames(): string[] {
  return [...PLUGIN_SCHEMAS.keys()].sort();
}
