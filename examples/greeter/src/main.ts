/**
 * Example gRPC service "greeter": registers with the registry as protocol grpc under the prefix
 * /demo.Greeter, so clients reach it through Kong's proxy over HTTP/2 (h2c). Kong's key-auth
 * reads the `apikey` metadata entry, exactly as it reads the header of an HTTP call.
 *
 * Health: Kong 3.9 cannot probe a gRPC port actively (docs/grpc.md), so the instance reports its
 * own health with each heartbeat (the SDK's `selfHealth`); the controller gives an instance that
 * reports unhealthy weight 0. It also answers the standard grpc.health.v1.Health/Check for
 * callers that probe it directly.
 */
import * as grpc from '@grpc/grpc-js';
import { register } from '@kong-registry/sdk';
// Compiled next door (examples/shared, a project reference); imported from its dist at run time.
import {
  runExample,
  sdkLoggerFor,
  type ExampleConfig,
  type ExampleIdentity,
  type Log,
} from '../../shared/dist';
import { GREETER_PREFIX, loadProtos, type HelloReply, type HelloRequest } from './protos';

const IDENTITY: ExampleIdentity = {
  service: 'greeter',
  authSummary: 'key-auth at the gateway, the key sent as gRPC metadata',
  defaultPrefix: GREETER_PREFIX,
  summary: 'answers demo.Greeter over gRPC (unary and server streaming)',
};

const MAX_STREAM_REPLIES = 100;

/** The first value of a metadata entry Kong set (X-Consumer-Username arrives lowercase). */
function metadataValue(metadata: grpc.Metadata, key: string): string {
  const value = metadata.get(key)[0];
  return value === undefined ? '' : String(value);
}

function bind(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
}

async function run(config: ExampleConfig, log: Log): Promise<void> {
  const { Greeter, Health } = loadProtos();
  let instanceId = config.instanceId ?? '(registering)';
  let serving = true;
  // Counts calls in flight so a drain waits for them (set once registered).
  let begin: () => () => void = () => () => undefined;

  const reply = (
    call:
      | grpc.ServerUnaryCall<HelloRequest, HelloReply>
      | grpc.ServerWritableStream<HelloRequest, HelloReply>,
    n?: number,
  ): HelloReply => ({
    message: `Hello, ${call.request.name || 'stranger'}${n === undefined ? '' : ` #${n}`}`,
    instanceId,
    consumer: metadataValue(call.metadata, 'x-consumer-username'),
  });
  const logCall = (method: string, call: { metadata: grpc.Metadata }, status: string): void =>
    log('info', 'call', {
      method,
      status,
      consumer: metadataValue(call.metadata, 'x-consumer-username') || null,
      kongRequestId: metadataValue(call.metadata, 'x-kong-request-id') || null,
    });

  const server = new grpc.Server();
  server.addService(Greeter.service, {
    SayHello: (
      call: grpc.ServerUnaryCall<HelloRequest, HelloReply>,
      callback: grpc.sendUnaryData<HelloReply>,
    ) => {
      const done = begin();
      logCall('SayHello', call, 'OK');
      callback(null, reply(call));
      done();
    },
    StreamHellos: (call: grpc.ServerWritableStream<HelloRequest, HelloReply>) => {
      const done = begin();
      const count = call.request.count || 3;
      if (count < 1 || count > MAX_STREAM_REPLIES) {
        logCall('StreamHellos', call, 'INVALID_ARGUMENT');
        call.emit('error', {
          code: grpc.status.INVALID_ARGUMENT,
          details: `count must be 1..${MAX_STREAM_REPLIES}, got ${count}`,
        });
        done();
        return;
      }
      for (let n = 1; n <= count; n++) call.write(reply(call, n));
      logCall('StreamHellos', call, 'OK');
      call.end();
      done();
    },
  });
  server.addService(Health.service, {
    Check: (
      call: grpc.ServerUnaryCall<{ service: string }, { status: string }>,
      callback: grpc.sendUnaryData<{ status: string }>,
    ) => {
      const known = ['', 'demo.Greeter'].includes(call.request.service);
      if (!known) {
        callback({
          code: grpc.status.NOT_FOUND,
          details: `unknown service ${call.request.service}`,
        });
        return;
      }
      callback(null, { status: serving ? 'SERVING' : 'NOT_SERVING' });
    },
  });
  const port = await bind(server, config.bindHost, config.port);
  log('info', 'listening', { host: config.bindHost, port, protocol: 'grpc (h2c)' });

  const handle = await register({
    registryUrl: config.registryUrl,
    token: config.registryToken,
    service: IDENTITY.service,
    instanceId: config.instanceId,
    host: config.advertiseHost,
    port,
    protocol: 'grpc',
    prefix: config.prefix,
    auth: 'key-auth',
    ttlSeconds: config.ttlSeconds,
    // Sent with every heartbeat: the controller takes an unhealthy instance out of rotation.
    selfHealth: { checks: { serving: () => serving } },
    handleSignals: true,
    ...(config.drainHoldSeconds === undefined
      ? {}
      : { drainHoldMs: config.drainHoldSeconds * 1000 }),
    logger: sdkLoggerFor(log),
  });
  begin = () => handle.begin();
  instanceId = handle.instanceId;
  handle.on('lost', ({ reason }) => log('warn', 'lease lost, registering again', { reason }));
  handle.on('reregistered', () => log('info', 're-registered'));
  handle.on('error', (err) =>
    log('error', 'registry problem', { code: err.code, error: err.message }),
  );
  handle.on('draining', () => {
    serving = false;
    log('info', 'draining');
  });
  const host = handle.lease?.instance.host ?? config.advertiseHost ?? config.bindHost;
  process.stdout.write(
    `${JSON.stringify({ service: IDENTITY.service, instanceId, host, port, protocol: 'grpc' })}\n`,
  );
}

runExample(IDENTITY, run);
