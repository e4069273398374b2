import type { ConsumerEntity, StoreReader } from '../store/types';
import type { AuthContext } from './types';

/** Kong's consumer header names (K:kong/constants.lua). */
export const CONSUMER_HEADERS = {
  id: 'x-consumer-id',
  customId: 'x-consumer-custom-id',
  username: 'x-consumer-username',
  credential: 'x-credential-identifier',
  anonymous: 'x-anonymous-consumer',
  groups: 'x-consumer-groups',
} as const;

/**
 * `set_consumer` of key-auth and jwt (kong-sim/KONG_BEHAVIOUR.md#authentication-plugins):
 * authenticates the request and rewrites the consumer headers sent upstream, clearing the ones
 * that do not apply so clients cannot spoof them.
 */
export function setConsumer(
  ctx: AuthContext,
  consumer: ConsumerEntity,
  credential: { id: string; identifier: string } | undefined,
): void {
  ctx.consumer = consumer;
  ctx.credential = credential ? { id: credential.id } : undefined;
  const h = ctx.upstreamHeaders;
  h[CONSUMER_HEADERS.id] = consumer.id;
  h[CONSUMER_HEADERS.customId] = consumer.custom_id ?? undefined;
  h[CONSUMER_HEADERS.username] = consumer.username ?? undefined;
  h[CONSUMER_HEADERS.credential] = credential?.identifier;
  h[CONSUMER_HEADERS.anonymous] = credential ? undefined : 'true';
}

/** `anonymous` may be a consumer id or a username (K:kong/pdk/client.lua load_consumer). */
export function loadConsumer(store: StoreReader, idOrUsername: string): ConsumerEntity | undefined {
  return (
    store.get('consumers', idOrUsername) ??
    store.list('consumers').find((c) => c.username === idOrUsername)
  );
}

/** Reads a typed field out of a plugin's config record. */
export function configValue<T>(config: Record<string, unknown>, key: string, fallback: T): T {
  const value = config[key];
  return value === undefined || value === null ? fallback : (value as T);
}
