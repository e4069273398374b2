import { readHeader, type HeaderBag } from './request-headers';

/** The identity Kong forwards to the upstream after authenticating a request. */
export interface KongConsumer {
  /** `X-Consumer-ID`: Kong's consumer id. */
  id: string | null;
  /** `X-Consumer-Username`. */
  username: string | null;
  /** `X-Consumer-Custom-ID`. */
  customId: string | null;
  /** `X-Credential-Identifier`: the key-auth key id or the JWT `iss` that matched. */
  credentialIdentifier: string | null;
  /** `X-Anonymous-Consumer: true`: authentication failed but an anonymous consumer was allowed. */
  anonymous: boolean;
}

/**
 * Reads the consumer Kong authenticated from the request headers. Accepts a Node
 * `IncomingMessage`, an Express request, a Fetch `Request`, or anything with `headers`.
 * Returns null when Kong sent no consumer headers (a route without authentication).
 * Trust these headers only when the service is reachable through Kong alone.
 */
export function consumerFromHeaders(req: { headers: HeaderBag }): KongConsumer | null {
  const headers = req.headers;
  const consumer: KongConsumer = {
    id: readHeader(headers, 'x-consumer-id'),
    username: readHeader(headers, 'x-consumer-username'),
    customId: readHeader(headers, 'x-consumer-custom-id'),
    credentialIdentifier: readHeader(headers, 'x-credential-identifier'),
    anonymous: readHeader(headers, 'x-anonymous-consumer')?.toLowerCase() === 'true',
  };
  const empty =
    consumer.id === null &&
    consumer.username === null &&
    consumer.customId === null &&
    consumer.credentialIdentifier === null &&
    !consumer.anonymous;
  return empty ? null : consumer;
}
