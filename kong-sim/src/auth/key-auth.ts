import { configValue, loadConsumer, setConsumer } from './consumer';
import { runAuthentication } from './anonymous';
import type { AccessPlugin, AuthContext, PluginExit } from './types';

/** Where the key was found, so hide_credentials can remove it. */
type Found = { key: string } | { duplicate: true } | undefined;

function findKey(config: Record<string, unknown>, ctx: AuthContext, name: string): Found {
  const lower = name.toLowerCase();
  if (configValue(config, 'key_in_header', true)) {
    const values = ctx.requestHeaders[lower];
    if (values && values.length > 1) return { duplicate: true };
    if (values?.[0] !== undefined) return { key: values[0] };
  }
  if (configValue(config, 'key_in_query', true)) {
    const values = ctx.query.getAll(name);
    if (values.length > 1) return { duplicate: true };
    if (values[0] !== undefined) return { key: values[0] };
  }
  if (configValue(config, 'key_in_body', false)) {
    const value = ctx.body?.[name];
    if (Array.isArray(value)) return { duplicate: true };
    if (typeof value === 'string') return { key: value };
  }
  return undefined;
}

function hide(config: Record<string, unknown>, ctx: AuthContext, name: string): void {
  ctx.query.delete(name);
  delete ctx.upstreamHeaders[name.toLowerCase()];
  if (configValue(config, 'key_in_body', false) && ctx.body && name in ctx.body) {
    delete ctx.body[name];
    ctx.bodyChanged = true;
  }
}

function authenticate(config: Record<string, unknown>, ctx: AuthContext): PluginExit | undefined {
  const realm = configValue<string | null>(config, 'realm', null);
  const headers = { 'WWW-Authenticate': realm ? `Key realm="${realm}"` : 'Key' };
  const fail = (message: string): PluginExit => ({ type: 'error', status: 401, message, headers });
  let key: string | undefined;
  for (const name of configValue<string[]>(config, 'key_names', ['apikey'])) {
    const found = findKey(config, ctx, name);
    if (!found) continue;
    if ('duplicate' in found) return fail('Duplicate API key found');
    key = found.key;
    if (configValue(config, 'hide_credentials', false)) hide(config, ctx, name);
    break;
  }
  if (key === undefined || key === '') return fail('No API key found in request');
  const credential = ctx.store.list('keyauth_credentials').find((c) => c.key === key);
  if (!credential) return fail('Unauthorized');
  const consumer = loadConsumer(ctx.store, credential.consumer.id);
  if (!consumer) return fail('Unauthorized');
  setConsumer(ctx, consumer, { id: credential.id, identifier: credential.id });
  return undefined;
}

/** key-auth (K:kong/plugins/key-auth/handler.lua), priority 1250. */
export const keyAuthPlugin: AccessPlugin = {
  name: 'key-auth',
  priority: 1250,
  access: (config, ctx) => runAuthentication(config, ctx, () => authenticate(config, ctx)),
};
