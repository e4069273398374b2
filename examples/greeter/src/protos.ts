/**
 * The example's gRPC definitions, loaded from proto/ at run time with @grpc/proto-loader: the
 * Greeter service and the standard grpc.health.v1.Health.
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** proto/ beside dist/ (this file runs from dist/). */
const PROTO_DIR = join(__dirname, '..', 'proto');

/** The gateway prefix of the Greeter service: gRPC paths are /<package>.<Service>/<Method>. */
export const GREETER_PREFIX = '/demo.Greeter';

export interface HelloRequest {
  name: string;
  count: number;
}

export interface HelloReply {
  message: string;
  instanceId: string;
  consumer: string;
}

/** A Greeter client, typed (loadPackageDefinition's clients are untyped). */
export interface GreeterClient extends grpc.Client {
  SayHello(
    request: Partial<HelloRequest>,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (err: grpc.ServiceError | null, reply: HelloReply) => void,
  ): grpc.ClientUnaryCall;
  StreamHellos(
    request: Partial<HelloRequest>,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
  ): grpc.ClientReadableStream<HelloReply>;
}

/** A grpc.health.v1.Health client, typed. */
export interface HealthClient extends grpc.Client {
  Check(
    request: { service: string },
    callback: (err: grpc.ServiceError | null, reply: { status: string }) => void,
  ): grpc.ClientUnaryCall;
}

/** A service's definition and typed client constructor. */
export interface ServiceConstructor<C> {
  service: grpc.ServiceDefinition;
  new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions): C;
}

/** The service definitions, and client constructors, of both protos. */
export function loadProtos(): {
  Greeter: ServiceConstructor<GreeterClient>;
  Health: ServiceConstructor<HealthClient>;
} {
  const definition = protoLoader.loadSync(['greeter.proto', 'health.proto'], {
    includeDirs: [PROTO_DIR],
    defaults: true,
    enums: String,
  });
  const root = grpc.loadPackageDefinition(definition) as unknown as {
    demo: { Greeter: ServiceConstructor<GreeterClient> };
    grpc: { health: { v1: { Health: ServiceConstructor<HealthClient> } } };
  };
  return { Greeter: root.demo.Greeter, Health: root.grpc.health.v1.Health };
}
