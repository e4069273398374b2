import { z } from 'zod';
import {
  CONSUMER_USERNAME,
  DEFAULT_LEASE_TTL_BOUNDS,
  INSTANCE_ID,
  INSTANCE_ID_MAX_LENGTH,
  SERVICE_NAME,
  SERVICE_NAME_MAX_LENGTH,
  STATE_SCOPE_MAX_SERVICES,
  SELF_HEALTH_DETAIL_MAX_LENGTH,
} from '@kong-registry/sdk';
import { ERRORS } from '../../errors';
import type { RegisterBounds } from '../../instances/validation';
import { historyPaths, historySchemas } from './history';
import { componentSchemas } from './schemas';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: string, description: string): Json => ({
  description,
  content: { 'application/json': { schema: ref(schema) } },
});
const body = (schema: string): Json => ({
  required: true,
  content: { 'application/json': { schema: ref(schema) } },
});
const errors = (...codes: (keyof typeof ERRORS)[]): Json => {
  const byStatus = new Map<number, string[]>();
  for (const code of codes)
    byStatus.set(ERRORS[code].status, [...(byStatus.get(ERRORS[code].status) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [String(status), json('ErrorBody', list.join(', '))]),
  );
};
const pathParam = (name: string, description: string, pattern: string): Json => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', pattern },
});

// Path parameters carry the contract's patterns (sdk/src/rules.ts), as the validators use them.
const SERVICE = pathParam(
  'service',
  `Service name: a DNS label (lowercase [a-z0-9-], 1-${SERVICE_NAME_MAX_LENGTH})`,
  SERVICE_NAME.source,
);
const INSTANCE = pathParam(
  'instanceId',
  `Instance id: 1-${INSTANCE_ID_MAX_LENGTH} of [A-Za-z0-9._-]`,
  INSTANCE_ID.source,
);
const USERNAME = pathParam(
  'username',
  'Consumer username: 1-128 of [A-Za-z0-9._@-]',
  CONSUMER_USERNAME.source,
);
const AUTH_ERRORS = [
  'REG_ERR_UNAUTHORIZED',
  'REG_ERR_TOKEN_EXPIRED',
  'REG_ERR_FORBIDDEN',
  'REG_ERR_REDIS_UNAVAILABLE',
] as const;
const BODY_ERRORS = [
  'REG_ERR_VALIDATION',
  'REG_ERR_MALFORMED_JSON',
  'REG_ERR_PAYLOAD_TOO_LARGE',
  'REG_ERR_UNSUPPORTED_MEDIA_TYPE',
] as const;
const ADMIN = 'Admin token only.';
const ANY_TOKEN = 'Admin token, or any service token.';
const OWN_SERVICE = 'Admin token, or a service token for this service.';

function paths(): Json {
  const instancePath = '/v1/services/{service}/instances/{instanceId}';
  return {
    [instancePath]: {
      parameters: [SERVICE, INSTANCE],
      put: {
        operationId: 'registerInstance',
        summary: 'Register or refresh an instance (idempotent)',
        description: `${OWN_SERVICE} The registration also (re)defines the service's routing; the latest one wins. A service token with a prefixes claim may only claim those prefixes. Rate limited per token (429 with Retry-After).`,
        requestBody: body('RegisterRequest'),
        responses: {
          '201': json('LeaseReply', 'A new lease'),
          '200': json('LeaseReply', 'An existing live lease, refreshed'),
          ...errors(
            ...BODY_ERRORS,
            'REG_ERR_PREFIX_RESERVED',
            'REG_ERR_TARGET_DENIED',
            'REG_ERR_PREFIX_CONFLICT',
            'REG_ERR_RATE_LIMITED',
            ...AUTH_ERRORS,
            'REG_ERR_NOT_REPLICATED',
          ),
        },
      },
      delete: {
        operationId: 'deregisterInstance',
        summary: 'Deregister now, or drain first with ?drain=true',
        description: `${OWN_SERVICE} With drain=true the instance gets weight 0 and is removed when drainUntil passes (REGISTRY_DRAIN_SECONDS, default 10 s), with an event of reason "drained". Without it the instance goes at once, with reason "deregistered" (a service token) or "deleted" (an admin token). Each removal leaves a tombstone in GET /v1/state.`,
        parameters: [
          {
            name: 'drain',
            in: 'query',
            required: false,
            schema: { type: 'string', enum: ['true', 'false', '1', '0'] },
          },
        ],
        responses: {
          '204': { description: 'Removed' },
          '202': json('DrainReply', 'Draining'),
          ...errors('REG_ERR_VALIDATION', 'REG_ERR_INSTANCE_NOT_FOUND', ...AUTH_ERRORS),
        },
      },
    },
    [`${instancePath}/heartbeat`]: {
      parameters: [SERVICE, INSTANCE],
      put: {
        operationId: 'heartbeat',
        summary: 'Renew the lease by its TTL',
        description: `${OWN_SERVICE} No body (or {}), or {health: {status, detail?}}: the instance's own health (healthy | unhealthy, detail at most ${SELF_HEALTH_DETAIL_MAX_LENGTH} characters), stored on it as selfHealth until the next report; a route-less worker has no other health. 404 REG_ERR_LEASE_NOT_FOUND once the lease ran out: register again.`,
        requestBody: { ...body('HeartbeatRequest'), required: false },
        responses: {
          '200': json('LeaseReply', 'Renewed'),
          ...errors(
            'REG_ERR_VALIDATION',
            'REG_ERR_MALFORMED_JSON',
            'REG_ERR_LEASE_NOT_FOUND',
            ...AUTH_ERRORS,
          ),
        },
      },
    },
    [`${instancePath}/gateway-health`]: {
      parameters: [SERVICE, INSTANCE],
      put: {
        operationId: 'reportGatewayHealth',
        summary: "Report Kong's health of an instance (control plane)",
        description: ADMIN,
        requestBody: body('GatewayHealthReport'),
        responses: {
          '200': json('DrainReply', 'Stored'),
          ...errors(...BODY_ERRORS, 'REG_ERR_INSTANCE_NOT_FOUND', ...AUTH_ERRORS),
        },
      },
    },
    '/v1/services': {
      get: {
        operationId: 'listServices',
        summary: 'Services with live instances',
        description: `${ANY_TOKEN} Route-less services (definition.route false) are listed too. With ?label=key=value (repeatable: every term must match) only the instances with those labels are listed, and services with none of them are left out.`,
        parameters: [
          {
            name: 'label',
            in: 'query',
            required: false,
            description: 'A label filter, key=value (URL-encoded: gpu%3Dtrue)',
            schema: { type: 'array', items: { type: 'string' } },
            style: 'form',
            explode: true,
          },
        ],
        responses: {
          '200': json('ServiceList', 'Services, sorted by name'),
          ...errors('REG_ERR_VALIDATION', ...AUTH_ERRORS),
        },
      },
    },
    '/v1/services/{service}': {
      parameters: [SERVICE],
      get: {
        operationId: 'getService',
        summary: 'One service: definition, instances, leases, draining, gateway health',
        description: ANY_TOKEN,
        responses: {
          '200': json('ServiceView', 'The service'),
          ...errors('REG_ERR_VALIDATION', 'REG_ERR_SERVICE_NOT_FOUND', ...AUTH_ERRORS),
        },
      },
    },
    '/v1/routes': {
      get: {
        operationId: 'listRoutes',
        summary: 'The prefix -> service table',
        description: ANY_TOKEN,
        responses: {
          '200': json('RouteTable', 'Routes, sorted by prefix'),
          ...errors(...AUTH_ERRORS),
        },
      },
    },
    '/v1/state': {
      get: {
        operationId: 'getState',
        summary: 'Full snapshot with revision, credential secrets included',
        description: `${ADMIN} Read atomically: the revision matches the data exactly, and the tombstones (why and when instances were removed) agree with the services. With ?service= (repeated or comma-separated, at most ${STATE_SCOPE_MAX_SERVICES}) only those services are read: the reply's scope lists them, consumers is empty and tombstones holds only their removals (the controller's per-service reconcile).`,
        parameters: [
          {
            name: 'service',
            in: 'query',
            required: false,
            schema: { type: 'array', items: { type: 'string', pattern: SERVICE_NAME.source } },
            style: 'form',
            explode: true,
          },
        ],
        responses: {
          '200': json('StateSnapshot', 'The snapshot'),
          ...errors('REG_ERR_VALIDATION', ...AUTH_ERRORS),
        },
      },
    },
    '/v1/events': {
      get: {
        operationId: 'streamEvents',
        summary: 'Server-Sent Events of every change',
        description: `${ANY_TOKEN} Each event: id (Redis Stream id), event (its type), data (RegistryEvent JSON). Resume with the Last-Event-ID header or ?since=. Without either, starts at the newest event. An "event: reset" means the resume point was trimmed: reload /v1/state.`,
        parameters: [
          {
            name: 'since',
            in: 'query',
            required: false,
            schema: { type: 'string', pattern: '^\\d+-\\d+$' },
          },
          {
            name: 'Last-Event-ID',
            in: 'header',
            required: false,
            schema: { type: 'string', pattern: '^\\d+-\\d+$' },
          },
        ],
        responses: {
          '200': {
            description: 'An event stream',
            content: { 'text/event-stream': { schema: ref('RegistryEvent') } },
          },
          ...errors('REG_ERR_VALIDATION', ...AUTH_ERRORS),
        },
      },
    },
    '/v1/consumers': {
      get: {
        operationId: 'listConsumers',
        summary: 'Consumers, without secrets',
        description: ADMIN,
        responses: { '200': json('ConsumerList', 'Consumers'), ...errors(...AUTH_ERRORS) },
      },
      post: {
        operationId: 'createConsumer',
        summary: 'Create a consumer',
        description: ADMIN,
        requestBody: body('CreateConsumerRequest'),
        responses: {
          '201': json('Consumer', 'Created'),
          ...errors(...BODY_ERRORS, 'REG_ERR_CONSUMER_EXISTS', ...AUTH_ERRORS),
        },
      },
    },
    '/v1/consumers/{username}': {
      parameters: [USERNAME],
      get: {
        operationId: 'getConsumer',
        summary: 'One consumer, without secrets',
        description: ADMIN,
        responses: {
          '200': json('Consumer', 'The consumer'),
          ...errors('REG_ERR_CONSUMER_NOT_FOUND', ...AUTH_ERRORS),
        },
      },
      patch: {
        operationId: 'updateConsumer',
        summary: 'Change groups or customId',
        description: ADMIN,
        requestBody: body('UpdateConsumerRequest'),
        responses: {
          '200': json('Consumer', 'Updated (without secrets)'),
          ...errors(...BODY_ERRORS, 'REG_ERR_CONSUMER_NOT_FOUND', ...AUTH_ERRORS),
        },
      },
      delete: {
        operationId: 'deleteConsumer',
        summary: 'Delete a consumer and its credentials',
        description: ADMIN,
        responses: {
          '204': { description: 'Deleted' },
          ...errors('REG_ERR_CONSUMER_NOT_FOUND', ...AUTH_ERRORS),
        },
      },
    },
    '/v1/consumers/{username}/credentials': {
      parameters: [USERNAME],
      post: {
        operationId: 'createCredential',
        summary: 'Issue a key-auth key or a JWT credential; the secret is shown only in this reply',
        description: ADMIN,
        requestBody: body('CreateCredentialRequest'),
        responses: {
          '201': json('Credential', 'Created, with its secret'),
          ...errors(
            ...BODY_ERRORS,
            'REG_ERR_CONSUMER_NOT_FOUND',
            'REG_ERR_CREDENTIAL_EXISTS',
            ...AUTH_ERRORS,
          ),
        },
      },
    },
    '/v1/consumers/{username}/credentials/{id}': {
      parameters: [
        USERNAME,
        { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
      ],
      delete: {
        operationId: 'deleteCredential',
        summary: 'Revoke a credential',
        description: ADMIN,
        responses: {
          '204': { description: 'Deleted' },
          ...errors(
            'REG_ERR_VALIDATION',
            'REG_ERR_CONSUMER_NOT_FOUND',
            'REG_ERR_CREDENTIAL_NOT_FOUND',
            ...AUTH_ERRORS,
          ),
        },
      },
    },
    ...historyPaths({ json, errors, admin: ADMIN, authErrors: AUTH_ERRORS }),
    '/v1/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document',
        security: [],
        responses: {
          '200': {
            description: 'OpenAPI 3.1',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
        },
      },
    },
    '/healthz': {
      get: {
        operationId: 'healthz',
        summary: 'The process is up',
        security: [],
        responses: { '200': json('ProbeReply', 'Up') },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readyz',
        summary: 'Redis answers, with data of a format this registry may write',
        security: [],
        responses: {
          '200': json('ProbeReply', 'Ready'),
          '503': json(
            'ProbeReply',
            'Redis down, shutting down, or the stored data is of a newer format (`reason` says which)',
          ),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics',
        security: [],
        responses: {
          '200': {
            description: 'Prometheus text format',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
  };
}

/**
 * The OpenAPI 3.1 document of `/v1`, generated from the same zod schemas that validate requests
 * (and the reply schemas checked against sdk/src/contract.ts), so it cannot drift from the code.
 */
export function buildOpenApiDocument(bounds: RegisterBounds = DEFAULT_LEASE_TTL_BOUNDS): Json {
  const registry = z.registry<{ id: string }>();
  const all = { ...componentSchemas(bounds), ...historySchemas() };
  for (const [id, schema] of Object.entries(all)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: 'any',
  }) as { schemas: Record<string, Json> };
  const schemas = Object.fromEntries(
    Object.entries(generated.schemas).map(([id, schema]) => {
      const { $schema: _s, $id: _i, ...rest } = schema;
      return [id, rest];
    }),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'kong-registry',
      version: '1',
      description:
        'Service registry: microservices register leases, the control plane reads state and events. Errors are {code, message, details?} with the stable codes listed in x-error-codes.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearer: [] }],
    paths: paths(),
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Mint with `kong-registry token --service NAME` or `--admin`',
        },
      },
      schemas,
    },
    'x-error-codes': Object.fromEntries(
      Object.entries(ERRORS).map(([code, e]) => [code, { status: e.status, message: e.message }]),
    ),
  };
}
