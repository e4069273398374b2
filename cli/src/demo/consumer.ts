/**
 * The demo's gateway client: one consumer with a key-auth key and an HS256 JWT credential,
 * created through the registry's consumer API (the controller then puts them into Kong).
 */
import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Consumer, JwtCredential, KeyAuthCredential } from '@kong-registry/sdk';
import { callJson } from './http';

/** What a client needs to call the protected services. */
export interface DemoConsumer {
  username: string;
  /** key-auth: send as the `apikey` header. */
  apiKey: string;
  /** jwt: the `iss` claim that selects the credential, and its HS256 secret. */
  jwtKey: string;
  jwtSecret: string;
}

async function adminCall<T>(
  registryUrl: string,
  adminToken: string,
  path: string,
  body: unknown,
): Promise<T> {
  const reply = await callJson(`${registryUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}` },
    body,
  });
  if (reply.status !== 201)
    throw new Error(`POST ${path} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body as T;
}

/** Creates the consumer `username` with both credentials; the secrets are only in these replies. */
export async function createDemoConsumer(
  registryUrl: string,
  adminToken: string,
  username = `demo-${randomBytes(3).toString('hex')}`,
): Promise<DemoConsumer> {
  await adminCall<Consumer>(registryUrl, adminToken, '/v1/consumers', { username });
  const path = `/v1/consumers/${encodeURIComponent(username)}/credentials`;
  const keyAuth = await adminCall<KeyAuthCredential>(registryUrl, adminToken, path, {
    type: 'key-auth',
  });
  const jwtCredential = await adminCall<JwtCredential>(registryUrl, adminToken, path, {
    type: 'jwt',
    algorithm: 'HS256',
  });
  if (!keyAuth.key || !jwtCredential.secret)
    throw new Error('the registry did not return the credential secrets on creation');
  return {
    username,
    apiKey: keyAuth.key,
    jwtKey: jwtCredential.key,
    jwtSecret: jwtCredential.secret,
  };
}

/**
 * A JWT Kong's jwt plugin accepts for this consumer (`iss` = credential key, HS256), valid for
 * `expiresInSeconds`; a negative value gives a token that expired that long ago.
 */
export function signDemoJwt(consumer: DemoConsumer, expiresInSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign(
    {
      iss: consumer.jwtKey,
      sub: consumer.username,
      iat: Math.min(now, now + expiresInSeconds - 60),
      exp: now + expiresInSeconds,
    },
    consumer.jwtSecret,
    { algorithm: 'HS256', noTimestamp: true },
  );
}
