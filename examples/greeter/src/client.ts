/**
 * A gRPC client for the greeter example, through Kong's proxy (or straight to an instance):
 *
 *   node examples/greeter/dist/client.js --target 127.0.0.1:8000 --apikey KEY --name Ada
 *   node examples/greeter/dist/client.js --target 127.0.0.1:8000 --apikey KEY --stream 3
 *
 * Prints each reply as a JSON line; on a failed call prints the gRPC status and exits 1.
 */
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { loadProtos, type HelloReply } from './protos';

const USAGE = `Usage: node examples/greeter/dist/client.js --target HOST:PORT [options]

Calls demo.Greeter over HTTP/2 cleartext (through Kong's proxy: its http2 listener).

  --target HOST:PORT   where to call (Kong's proxy, or an instance)     (required)
  --apikey KEY         sent as the "apikey" metadata entry (Kong's key-auth)
  --name NAME          who to greet                                    (default: world)
  --stream N           call StreamHellos for N replies instead of SayHello
  --count N            make N SayHello calls one after the other          (default 1)
  --deadline MS        per-call deadline in milliseconds               (default 5000)
  --help               this text
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        target: { type: 'string' },
        apikey: { type: 'string' },
        name: { type: 'string' },
        stream: { type: 'string' },
        count: { type: 'string' },
        deadline: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (!values.target) fail('--target is required');
  const count = values.stream === undefined ? undefined : Number(values.stream);
  if (count !== undefined && !(Number.isInteger(count) && count >= 1 && count <= 100))
    fail(`--stream must be 1..100, got "${values.stream}"`);
  const calls = Number(values.count ?? '1');
  if (!(Number.isInteger(calls) && calls >= 1 && calls <= 10_000))
    fail(`--count must be 1..10000, got "${values.count}"`);
  const deadlineMs = Number(values.deadline ?? '5000');
  if (!(deadlineMs > 0)) fail(`--deadline must be a positive number, got "${values.deadline}"`);

  const { Greeter } = loadProtos();
  const client = new Greeter(values.target, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  if (values.apikey) metadata.set('apikey', values.apikey);
  const request = { name: values.name ?? 'world', count: count ?? 0 };
  const failed = (err: grpc.ServiceError): void => {
    process.stderr.write(
      `${JSON.stringify({ code: err.code, status: grpc.status[err.code], details: err.details })}\n`,
    );
    process.exitCode = 1;
  };
  if (count === undefined) {
    const callOnce = (left: number): void => {
      client.SayHello(request, metadata, { deadline: Date.now() + deadlineMs }, (err, reply) => {
        if (err) failed(err);
        else process.stdout.write(`${JSON.stringify(reply)}\n`);
        if (left > 1) callOnce(left - 1);
        else client.close();
      });
    };
    callOnce(calls);
    return;
  }
  const call = client.StreamHellos(request, metadata, { deadline: Date.now() + deadlineMs });
  call.on('data', (reply: HelloReply) => process.stdout.write(`${JSON.stringify(reply)}\n`));
  call.on('error', (err: grpc.ServiceError) => failed(err));
  call.on('end', () => client.close());
}

main();
