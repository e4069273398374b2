/**
 * Translates registry consumers into Kong consumers with their key-auth and jwt credentials and
 * acl groups. Secrets come from the admin state snapshot; a credential without its secret cannot
 * be rendered and quarantines its consumer.
 */
import type { Consumer } from '@kong-registry/sdk';
import type { Entity, EntityKind, KongBody } from '../kong/entities';
import { consumerTags, ids } from '../naming';
import type { TranslationFailure } from './types';
import { checkTagValue } from './validate';

function entity(kind: EntityKind, name: string, username: string, body: KongBody): Entity {
  return { kind, id: String(body.id), name, service: undefined, consumer: username, body };
}

/** Kong entities for one consumer, or a failure that quarantines it. */
export function translateConsumer(
  consumer: Consumer,
  ownershipTag: string,
): { entities: Entity[] } | { failure: TranslationFailure } {
  const username = consumer.username;
  const invalid = checkTagValue(username);
  if (invalid) return { failure: { consumer: username, reason: invalid } };
  const tags = consumerTags(ownershipTag, username);
  const consumerId = ids.consumer(username);
  const ref = { id: consumerId };
  const entities: Entity[] = [
    entity('consumer', username, username, {
      id: consumerId,
      username,
      ...(consumer.customId ? { custom_id: consumer.customId } : {}),
      tags,
    }),
  ];
  for (const credential of consumer.credentials) {
    if (credential.type === 'key-auth') {
      if (!credential.key) {
        return {
          failure: {
            consumer: username,
            reason: `key-auth credential ${credential.id} has no key in the snapshot`,
          },
        };
      }
      const id = ids.credential(username, 'key-auth', credential.id);
      entities.push(
        entity('key-auth', `${username}/key-auth:${id.slice(0, 8)}`, username, {
          id,
          key: credential.key,
          consumer: ref,
          tags,
        }),
      );
    } else {
      const id = ids.credential(username, 'jwt', credential.id);
      const body: KongBody = {
        id,
        key: credential.key,
        algorithm: credential.algorithm,
        consumer: ref,
        tags,
      };
      if (credential.algorithm === 'HS256') {
        if (!credential.secret) {
          return {
            failure: {
              consumer: username,
              reason: `jwt credential ${credential.id} has no secret in the snapshot`,
            },
          };
        }
        body.secret = credential.secret;
      } else {
        if (!credential.rsaPublicKey) {
          return {
            failure: {
              consumer: username,
              reason: `jwt credential ${credential.id} has no RSA public key`,
            },
          };
        }
        body.rsa_public_key = credential.rsaPublicKey;
      }
      entities.push(entity('jwt', `${username}/jwt:${id.slice(0, 8)}`, username, body));
    }
  }
  for (const group of [...new Set(consumer.groups)].sort()) {
    entities.push(
      entity('acl', `${username}/acl:${group}`, username, {
        id: ids.acl(username, group),
        group,
        consumer: ref,
        tags,
      }),
    );
  }
  return { entities };
}
