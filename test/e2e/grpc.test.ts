/**
 * gRPC end to end: the greeter example (2 instances, protocol grpc) registers itself, the
 * controller publishes it, and a gRPC client calls it through kong-sim's h2c proxy listener with
 * its key as metadata. One instance is SIGKILLed: calls keep succeeding (Kong retries a refused
 * connection on the next target), and its lease ends, which removes its target.
 */
import * as grpc from '@grpc/grpc-js';
import { EXAMPLES, pollUntil, readTargets } from '../../cli/src/demo';
import { greeterClient, sayHello, type GreeterClient } from '../helpers/grpc';
import { startE2eStack, type E2eStack } from './helpers/stack';

jest.setTimeout(60_000);

let stack: E2eStack;
let client: GreeterClient;

beforeAll(async () => {
  stack = await startE2eStack('grpc', [{ kind: EXAMPLES.greeter, count: 2 }]);
  client = greeterClient(stack.proxyUrl);
}, 90_000);

afterAll(async () => {
  client?.close();
  await stack?.stop();
}, 60_000);

const key = () => ({ apikey: stack.consumer.apiKey });

it('a unary call reaches an instance with the consumer Kong authenticated', async () => {
  const outcome = await sayHello(client, 'ada', key());
  expect(outcome.error).toBeUndefined();
  expect(outcome.reply).toMatchObject({
    message: 'Hello, ada',
    consumer: stack.consumer.username,
  });
  expect(outcome.reply?.instanceId).toMatch(/^greeter-[12]$/);
});

it('without the key: UNAUTHENTICATED from the gateway', async () => {
  const outcome = await sayHello(client, 'ada');
  expect(outcome.error?.code).toBe(grpc.status.UNAUTHENTICATED);
});

it('server streaming: every reply arrives, then the status', async () => {
  const metadata = new grpc.Metadata();
  metadata.set('apikey', stack.consumer.apiKey);
  const call = client.StreamHellos({ name: 'x', count: 4 }, metadata, {
    deadline: Date.now() + 5000,
  });
  const replies: string[] = [];
  call.on('data', (reply: { message: string }) => replies.push(reply.message));
  await new Promise((resolve, reject) => call.on('end', resolve).on('error', reject));
  expect(replies).toEqual(['Hello, x #1', 'Hello, x #2', 'Hello, x #3', 'Hello, x #4']);
});

it('SIGKILL of one instance: every call still succeeds, and its target goes with its lease', async () => {
  const [victim, survivor] = stack.instancesOf('greeter');
  if (!victim || !survivor) throw new Error('the stack has two greeter instances');
  const seen = new Set<string>();
  for (let i = 0; i < 10; i++)
    seen.add((await sayHello(client, 'x', key())).reply?.instanceId ?? '?');
  expect(seen).toEqual(new Set([victim.instanceId, survivor.instanceId]));

  victim.child.signal('SIGKILL');
  await victim.child.exited;
  const victimTarget = `${stack.config.advertiseHost}:${victim.port}`;
  const failures: string[] = [];
  let calls = 0;
  // Call until the controller has removed the dead target (lease end), then a few more.
  await pollUntil(
    async () => {
      for (let i = 0; i < 5; i++) {
        calls += 1;
        const outcome = await sayHello(client, 'x', key());
        if (outcome.error) failures.push(`${outcome.error.code} ${outcome.error.details}`);
        else if (outcome.reply?.instanceId !== survivor.instanceId)
          failures.push(`answered by ${outcome.reply?.instanceId}`);
      }
      const targets = await readTargets(stack, 'greeter');
      return !targets.some((t) => t.target === victimTarget);
    },
    { timeoutMs: 20_000, intervalMs: 100, what: `Kong to drop ${victimTarget}` },
  );
  expect({ calls: calls > 10, failures }).toEqual({ calls: true, failures: [] });
});
