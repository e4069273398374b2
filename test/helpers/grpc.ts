/**
 * gRPC pieces of the proxy and e2e suites: a Greeter upstream (the example's proto) that records what
 * reached it, a client through the proxy, and raw HTTP/2 requests for what a gRPC client cannot
 * send (a non-gRPC body, a wrong route).
 */
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import {
  loadProtos,
  type GreeterClient,
  type HelloReply,
  type HelloRequest,
} from '../../examples/greeter/src/protos';

export type { GreeterClient };

const loadGreeter = () => loadProtos().Greeter;

/** A running Greeter upstream. */
export interface GreeterUpstream {
  name: string;
  address: string;
  /** Metadata of every call that reached it. */
  seen: grpc.Metadata[];
  /** Stops it at once, like a killed process: open connections are reset. */
  kill(): Promise<void>;
}

/**
 * A Greeter whose SayHello answers `hello <name>` from `name`, fails with NOT_FOUND for the name
 * "missing", and whose StreamHellos sends `count` replies and the trailer `x-count`.
 */
export async function startGreeterUpstream(name: string): Promise<GreeterUpstream> {
  const Greeter = loadGreeter();
  const seen: grpc.Metadata[] = [];
  const server = new grpc.Server();
  server.addService(Greeter.service, {
    SayHello: (
      call: grpc.ServerUnaryCall<HelloRequest, HelloReply>,
      callback: grpc.sendUnaryData<HelloReply>,
    ) => {
      seen.push(call.metadata);
      if (call.request.name === 'missing') {
        callback({ code: grpc.status.NOT_FOUND, details: 'no such greeting' });
        return;
      }
      const consumer = call.metadata.get('x-consumer-username')[0];
      callback(null, {
        message: `hello ${call.request.name}`,
        instanceId: name,
        consumer: consumer === undefined ? '' : String(consumer),
      });
    },
    StreamHellos: (call: grpc.ServerWritableStream<HelloRequest, HelloReply>) => {
      seen.push(call.metadata);
      for (let n = 1; n <= call.request.count; n++)
        call.write({ message: `hello #${n}`, instanceId: name, consumer: '' });
      const trailer = new grpc.Metadata();
      trailer.set('x-count', String(call.request.count));
      call.end(trailer);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return {
    name,
    address: `127.0.0.1:${port}`,
    seen,
    kill: async () => server.forceShutdown(),
  };
}

/** A Greeter client to the proxy (`http://host:port` → `host:port`), with `:authority` set. */
export function greeterClient(proxyUrl: string, authority?: string): GreeterClient {
  const Greeter = loadGreeter();
  return new Greeter(
    new URL(proxyUrl).host,
    grpc.credentials.createInsecure(),
    authority === undefined ? {} : { 'grpc.default_authority': authority },
  );
}

/** The outcome of one unary call: the reply or the error, and the metadata the client saw. */
export interface UnaryOutcome {
  reply?: HelloReply;
  error?: grpc.ServiceError;
  headers: grpc.Metadata | undefined;
}

/** One SayHello, never rejecting. */
export function sayHello(
  client: GreeterClient,
  name: string,
  metadata: Record<string, string> = {},
): Promise<UnaryOutcome> {
  const md = new grpc.Metadata();
  for (const [key, value] of Object.entries(metadata)) md.set(key, value);
  return new Promise((resolve) => {
    let headers: grpc.Metadata | undefined;
    const call = client.SayHello({ name }, md, { deadline: Date.now() + 5000 }, (err, reply) =>
      resolve(err ? { error: err, headers } : { reply, headers }),
    );
    call.on('metadata', (m) => {
      headers = m;
    });
  });
}

/** An HTTP/2 response: the head, the body and the trailers. */
export interface Http2Result {
  headers: http2.IncomingHttpHeaders;
  /** The response ended with its headers (a gRPC "Trailers-Only" reply). */
  headersOnly: boolean;
  body: string;
  trailers: http2.IncomingHttpHeaders | undefined;
}

/** One raw HTTP/2 (h2c) request through the proxy. */
export function http2Call(
  proxyUrl: string,
  path: string,
  headers: Record<string, string>,
): Promise<Http2Result> {
  const session = http2.connect(proxyUrl);
  return new Promise<Http2Result>((resolve, reject) => {
    session.on('error', reject);
    const stream = session.request({ ':method': 'POST', ':path': path, ...headers });
    let head: http2.IncomingHttpHeaders = {};
    let headersOnly = false;
    let trailers: http2.IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    stream.on('response', (h, flags) => {
      head = h;
      headersOnly = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    });
    stream.on('trailers', (t) => {
      trailers = t;
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('close', () =>
      resolve({ headers: head, headersOnly, body: Buffer.concat(chunks).toString(), trailers }),
    );
    stream.end();
  }).finally(() => session.close());
}
