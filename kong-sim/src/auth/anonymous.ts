import { configValue, loadConsumer, setConsumer } from './consumer';
import type { AuthContext, PluginExit } from './types';

/**
 * The shared shape of key-auth's and jwt's access phase
 * (kong-sim/KONG_BEHAVIOUR.md#authentication-plugins): skip OPTIONS when `run_on_preflight` is
 * off; with `anonymous` set, do nothing if an earlier plugin already authenticated (logical OR),
 * and on failure proxy as the anonymous consumer instead of answering.
 */
export function runAuthentication(
  config: Record<string, unknown>,
  ctx: AuthContext,
  authenticate: () => PluginExit | undefined,
): PluginExit | undefined {
  if (!configValue(config, 'run_on_preflight', true) && ctx.method === 'OPTIONS') return undefined;
  const anonymous = configValue<string | null>(config, 'anonymous', null);
  if (anonymous && ctx.credential) return undefined;
  const failure = authenticate();
  if (!failure) return undefined;
  if (!anonymous) return failure;
  const consumer = loadConsumer(ctx.store, anonymous);
  if (!consumer) return { type: 'error', status: 500, message: 'An unexpected error occurred' };
  setConsumer(ctx, consumer, undefined);
  return undefined;
}
