import { generateKeyPairSync, createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  CONSUMER_USERNAME,
  CONSUMER_USERNAME_RULE,
  type Consumer,
  type Credential,
  type RegistryEventType,
} from '@kong-registry/sdk';
import { RegistryError } from '../errors';
import type { Clock } from '../instances/lease';
import type { ConsumerStore } from './store';
import { groupSchema } from '../instances/validation';

/** Kong consumer usernames: kept narrow because they appear in Kong entity names and tags. */
export const usernameSchema = z.string().regex(CONSUMER_USERNAME, CONSUMER_USERNAME_RULE);

/** Body of `POST /v1/consumers`. */
export const createConsumerSchema = z.strictObject({
  username: usernameSchema.describe('Kong consumer username: 1-128 of [A-Za-z0-9._@-]'),
  customId: z.string().min(1).max(128).nullable().optional().describe('Kong custom_id'),
  groups: z
    .array(groupSchema)
    .max(64)
    .optional()
    .describe('ACL groups (Kong acl plugin); default []'),
});

/** Body of `PATCH /v1/consumers/{username}`. */
export const updateConsumerSchema = z.strictObject({
  customId: z
    .string()
    .min(1)
    .max(128)
    .nullable()
    .optional()
    .describe('New custom_id (null clears it)'),
  groups: z.array(groupSchema).max(64).optional().describe('Replaces the ACL groups'),
});

/** Body of `POST /v1/consumers/{username}/credentials`. */
export const createCredentialSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('key-auth'),
    /** Bring your own key; generated (32 random bytes, base64url) when absent. */
    key: z
      .string()
      .regex(/^[A-Za-z0-9._~+/=-]{16,256}$/, 'keys are 16-256 URL-safe characters')
      .optional()
      .describe('Bring your own key; generated when absent'),
  }),
  z.strictObject({
    type: z.literal('jwt'),
    algorithm: z.enum(['HS256', 'RS256']).optional().describe('Default HS256 (secret generated)'),
    /** The `iss` value that selects this credential; generated when absent. */
    key: z
      .string()
      .regex(/^[A-Za-z0-9._:/-]{1,256}$/, 'keys are 1-256 of [A-Za-z0-9._:/-]')
      .optional()
      .describe('The iss claim value that selects this credential; generated when absent'),
    /** RS256 only: the public key (PEM) that verifies the client's tokens. */
    rsaPublicKey: z.string().max(16_384).optional().describe('RS256 only: PEM public key'),
  }),
]);

const MAX_CAS_ATTEMPTS = 10;

/**
 * Consumers and their credentials. Every change is a compare-and-set of the consumer's JSON
 * (retried on a concurrent change), so credentials added at the same moment are all kept.
 */
export class ConsumerService {
  constructor(
    private readonly repository: ConsumerStore,
    private readonly clock: Clock,
  ) {}

  async create(input: z.infer<typeof createConsumerSchema>): Promise<Consumer> {
    const consumer: Consumer = {
      username: input.username,
      customId: input.customId ?? null,
      groups: [...new Set(input.groups ?? [])].sort(),
      createdAt: new Date(this.clock()).toISOString(),
      credentials: [],
    };
    const result = await this.repository.writeConsumer(
      consumer.username,
      null,
      consumer,
      'consumer.created',
      this.clock(),
    );
    if (!result.ok)
      throw new RegistryError('REG_ERR_CONSUMER_EXISTS', `consumer '${consumer.username}' exists`);
    return consumer;
  }

  /** All consumers, secrets included: the HTTP layer strips them. */
  async list(): Promise<Consumer[]> {
    return this.repository.listConsumers();
  }

  async get(username: string): Promise<Consumer> {
    const json = await this.repository.getConsumerJson(username);
    if (!json) throw new RegistryError('REG_ERR_CONSUMER_NOT_FOUND', `no consumer '${username}'`);
    return JSON.parse(json) as Consumer;
  }

  async update(username: string, input: z.infer<typeof updateConsumerSchema>): Promise<Consumer> {
    return this.change(username, 'consumer.updated', (consumer) => ({
      ...consumer,
      ...(input.customId !== undefined ? { customId: input.customId } : {}),
      ...(input.groups !== undefined ? { groups: [...new Set(input.groups)].sort() } : {}),
    }));
  }

  async delete(username: string): Promise<void> {
    await this.change(username, 'consumer.deleted', () => null);
  }

  /** Adds a credential; the reply is the only place its secret is shown (besides /v1/state). */
  async addCredential(
    username: string,
    input: z.infer<typeof createCredentialSchema>,
  ): Promise<Credential> {
    const createdAt = new Date(this.clock()).toISOString();
    const id = randomUUID();
    let credential: Credential;
    if (input.type === 'key-auth') {
      credential = {
        id,
        type: 'key-auth',
        createdAt,
        key: input.key ?? randomBytes(32).toString('base64url'),
      };
    } else if ((input.algorithm ?? 'HS256') === 'HS256') {
      if (input.rsaPublicKey !== undefined) {
        throw new RegistryError('REG_ERR_VALIDATION', 'rsaPublicKey belongs to RS256 credentials', {
          details: [{ path: 'rsaPublicKey', message: 'only with algorithm RS256' }],
        });
      }
      credential = {
        id,
        type: 'jwt',
        createdAt,
        algorithm: 'HS256',
        key: input.key ?? randomBytes(16).toString('hex'),
        secret: randomBytes(32).toString('base64url'),
      };
    } else {
      if (!input.rsaPublicKey) {
        throw new RegistryError('REG_ERR_VALIDATION', 'RS256 credentials need rsaPublicKey (PEM)', {
          details: [{ path: 'rsaPublicKey', message: 'required for RS256' }],
        });
      }
      credential = {
        id,
        type: 'jwt',
        createdAt,
        algorithm: 'RS256',
        key: input.key ?? randomBytes(16).toString('hex'),
        rsaPublicKey: normalizePublicKey(input.rsaPublicKey),
      };
    }
    if (input.key !== undefined) await this.assertKeyUnused(credential);
    await this.change(username, 'credential.created', (consumer) => ({
      ...consumer,
      credentials: [...consumer.credentials, credential],
    }));
    return credential;
  }

  /**
   * Kong wants key-auth keys and jwt keys unique across all consumers. Generated keys are random;
   * a key the caller chose is checked here (best effort: not atomic with the write).
   */
  private async assertKeyUnused(credential: Credential): Promise<void> {
    const taken = (await this.repository.listConsumers()).some((consumer) =>
      consumer.credentials.some((c) => c.type === credential.type && c.key === credential.key),
    );
    if (taken) {
      throw new RegistryError(
        'REG_ERR_CREDENTIAL_EXISTS',
        `a ${credential.type} credential with this key exists`,
        {
          details: [{ path: 'key', message: 'already used by a credential' }],
        },
      );
    }
  }

  async deleteCredential(username: string, id: string): Promise<void> {
    await this.change(username, 'credential.deleted', (consumer) => {
      if (!consumer.credentials.some((c) => c.id === id)) {
        throw new RegistryError(
          'REG_ERR_CREDENTIAL_NOT_FOUND',
          `consumer '${username}' has no credential ${id}`,
        );
      }
      return { ...consumer, credentials: consumer.credentials.filter((c) => c.id !== id) };
    });
  }

  /** Read, change, compare-and-set; retried when someone else changed the consumer meanwhile. */
  private async change(
    username: string,
    eventType: RegistryEventType,
    apply: (consumer: Consumer) => Consumer | null,
  ): Promise<Consumer> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt += 1) {
      const json = await this.repository.getConsumerJson(username);
      if (!json) throw new RegistryError('REG_ERR_CONSUMER_NOT_FOUND', `no consumer '${username}'`);
      const current = JSON.parse(json) as Consumer;
      const next = apply(current);
      const result = await this.repository.writeConsumer(
        username,
        json,
        next,
        eventType,
        this.clock(),
      );
      if (result.ok) return next ?? current;
      if (result.reason === 'missing')
        throw new RegistryError('REG_ERR_CONSUMER_NOT_FOUND', `no consumer '${username}'`);
    }
    throw new RegistryError(
      'REG_ERR_RATE_LIMITED',
      `consumer '${username}' is changing too fast: retry`,
      { headers: { 'Retry-After': '1' } },
    );
  }
}

/** Checks and canonicalizes a PEM public key; a private key or garbage is a 400. */
function normalizePublicKey(pem: string): string {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA key');
    if (pem.includes('PRIVATE KEY')) throw new Error('a private key');
    return key.export({ type: 'spki', format: 'pem' }).toString();
  } catch (err) {
    throw new RegistryError(
      'REG_ERR_VALIDATION',
      `rsaPublicKey is not an RSA public key in PEM: ${(err as Error).message}`,
      {
        details: [{ path: 'rsaPublicKey', message: 'not an RSA public key (PEM)' }],
      },
    );
  }
}

/** Exported for tests: a throwaway RSA key pair. */
export function generateRsaKeyPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}
