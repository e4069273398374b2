/**
 * gRPC at the gateway: which requests Kong treats as gRPC, what it checks on gRPC routes, and how
 * the responses Kong produces itself look to a gRPC client (kong-sim/KONG_BEHAVIOUR.md#grpc).
 */
import type { IncomingMessage } from 'node:http';
import type { RouteEntity } from '../store/types';
import { httpVersionOf } from './http2-request';

const GRPC_CONTENT_TYPE = 'application/grpc';

/** HTTP status → gRPC status for Kong's own responses (K:kong/pdk/response.lua). */
const HTTP_TO_GRPC_STATUS: Record<number, number> = {
  200: 0,
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  409: 6,
  429: 8,
  499: 1,
  500: 13,
  501: 12,
  503: 14,
  504: 4,
};

/** The default `grpc-message` of each gRPC status (K:kong/pdk/response.lua). */
const GRPC_MESSAGES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];

function startsWithGrpc(value: string | undefined): boolean {
  return value !== undefined && value.startsWith(GRPC_CONTENT_TYPE);
}

/**
 * `is_grpc_request` of K:kong/pdk/response.lua: a Content-Type starting with application/grpc,
 * over HTTP/2.
 */
export function isGrpcRequest(req: IncomingMessage): boolean {
  return startsWithGrpc(req.headers['content-type']) && httpVersionOf(req) === 2;
}

/**
 * Whether nginx's error handler answers in gRPC's shape: Accept, else Content-Type, starts with
 * application/grpc (K:kong/error_handlers.lua).
 */
export function grpcErrorPage(req: IncomingMessage): boolean {
  return startsWithGrpc(req.headers.accept ?? req.headers['content-type']);
}

/** The gRPC status Kong gives an HTTP status: the table, else by class (K:kong/pdk/response.lua). */
export function grpcStatusOf(status: number): number {
  const mapped = HTTP_TO_GRPC_STATUS[status];
  if (mapped !== undefined) return mapped;
  if (status >= 500 && status <= 599) return 13;
  if (status >= 400 && status <= 499) return 3;
  if (status >= 200 && status <= 299) return 0;
  return 2;
}

/** The default message of a gRPC status. */
export function grpcMessageOf(grpcStatus: number): string {
  return GRPC_MESSAGES[grpcStatus] ?? 'Unknown';
}

/** What a gRPC route refuses before any plugin runs. */
export type GrpcRouteRefusal =
  | { kind: 'error'; status: 426 | 415; message: string; headers?: Record<string, string> }
  | { kind: 'grpcs-only' };

/**
 * The checks K:kong/runloop/handler.lua runs on a route whose protocols include grpc or grpcs:
 * a gRPC request must come over HTTP/2 (426), a non-gRPC one is refused (415), and a plain gRPC
 * request on a grpcs-only route gets gRPC status 1.
 */
export function refuseOnGrpcRoute(
  req: IncomingMessage,
  route: RouteEntity,
  forwardedProto: string,
): GrpcRouteRefusal | undefined {
  const grpc = route.protocols.includes('grpc');
  if (!grpc && !route.protocols.includes('grpcs')) return undefined;
  if (!startsWithGrpc(req.headers['content-type']))
    return { kind: 'error', status: 415, message: 'Non-gRPC request matched gRPC route' };
  if (httpVersionOf(req) !== 2)
    return {
      kind: 'error',
      status: 426,
      message: 'Please use HTTP2 protocol',
      headers: { connection: 'Upgrade', upgrade: 'HTTP/2' },
    };
  if (!grpc && forwardedProto !== 'https') return { kind: 'grpcs-only' };
  return undefined;
}
