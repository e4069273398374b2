/**
 * `npm run demo -- --tour`: a scripted walk through what the system does, against the running
 * stack. Each step prints ✓ or ✗ with what it saw; the tour passes only when every step did.
 */
import type { DemoStack } from './stack';
import { signDemoJwt } from './consumer';
import { callJson, pollUntil } from './http';
import { readTargetHealth } from './kong';
import { greet } from './grpc-client';
import { EXAMPLES, echoKind } from './services';
import { describeCount, failureCount, sendRequests } from './traffic';

/** One step: a title and a check that resolves with what it saw, or throws why it failed. */
export interface TourStep {
  title: string;
  run(): Promise<string>;
}

/** Outcome of one step. */
export interface StepResult {
  title: string;
  passed: boolean;
  detail: string;
}

function expectStatus(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`);
}

/** The tour's steps over `stack`. */
export function tourSteps(stack: DemoStack): TourStep[] {
  const { orders, users } = EXAMPLES;
  const proxy = stack.proxyUrl;
  const get = (path: string, headers: Record<string, string> = {}) =>
    callJson(`${proxy}${path}`, { headers });
  return [
    {
      title: 'routing: /orders/42 reaches orders with the prefix stripped',
      run: async () => {
        const reply = await get('/orders/42', stack.credentialsFor(orders));
        expectStatus(reply.status, 200, 'GET /orders/42 with a key');
        const body = reply.body as { service?: string; path?: string; instanceId?: string };
        if (body.service !== 'orders' || body.path !== '/42')
          throw new Error(`expected orders to see /42, got ${JSON.stringify(body)}`);
        return `${body.instanceId} saw path ${body.path}`;
      },
    },
    {
      title: 'key-auth: 401 without a key, 200 with the consumer key',
      run: async () => {
        const without = await get('/orders/42');
        expectStatus(without.status, 401, 'without a key');
        const withKey = await get('/orders/42', { apikey: stack.consumer.apiKey });
        expectStatus(withKey.status, 200, 'with the key');
        const consumer = (withKey.body as { consumer?: { username?: string } }).consumer;
        return `401, then 200 as consumer ${consumer?.username ?? '?'}`;
      },
    },
    {
      title: 'jwt: 200 with a valid JWT, 401 with an expired one',
      run: async () => {
        const valid = await get('/users/me', {
          authorization: `Bearer ${signDemoJwt(stack.consumer, 600)}`,
        });
        expectStatus(valid.status, 200, 'valid JWT');
        const expired = await get('/users/me', {
          authorization: `Bearer ${signDemoJwt(stack.consumer, -60)}`,
        });
        expectStatus(expired.status, 401, 'JWT that expired a minute ago');
        return '200, then 401';
      },
    },
    {
      title: 'load sharing: requests spread over every orders instance',
      run: async () => {
        const ids = stack.instancesOf('orders').map((i) => i.instanceId);
        if (ids.length < 2) throw new Error('needs --instances 2 or more');
        const count = await pollUntil(
          async () => {
            const c = await sendRequests(`${proxy}/orders/42`, stack.credentialsFor(orders), 40);
            return ids.every((id) => (c.byInstance[id] ?? 0) > 0) && failureCount(c) === 0
              ? c
              : undefined;
          },
          { timeoutMs: 10_000, what: 'every orders instance to answer' },
        );
        return describeCount(count);
      },
    },
    {
      title: 'failover: SIGKILL one orders instance, traffic moves to the healthy ones',
      run: async () => {
        const [victim, ...others] = stack.instancesOf('orders');
        if (!victim || others.length === 0) throw new Error('needs --instances 2 or more');
        const killedAt = Date.now();
        victim.child.signal('SIGKILL');
        await victim.child.exited;
        const target = `${stack.config.advertiseHost}:${victim.port}`;
        await pollUntil(
          async () =>
            (await readTargetHealth(stack, 'orders')).find((t) => t.target === target)?.health ===
            'UNHEALTHY',
          { timeoutMs: 15_000, what: `Kong to mark ${target} UNHEALTHY` },
        );
        const trippedMs = Date.now() - killedAt;
        const count = await sendRequests(`${proxy}/orders/42`, stack.credentialsFor(orders), 30);
        if ((count.byInstance[victim.instanceId] ?? 0) > 0 || failureCount(count) > 0)
          throw new Error(`after the health check tripped: ${describeCount(count)}`);
        return `${victim.instanceId} marked UNHEALTHY by Kong after ${trippedMs} ms; then ${describeCount(count)}`;
      },
    },
    {
      title: 'gRPC: greeter answers over h2c; SIGKILL one instance and every call still succeeds',
      run: async () => {
        const [victim, ...others] = stack.instancesOf('greeter');
        if (!victim || others.length === 0) throw new Error('needs --instances 2 or more');
        const before = await greet(proxy, stack.consumer.apiKey, 10);
        if (failureCount(before) > 0 || Object.keys(before.byInstance).length < 2)
          throw new Error(`before the kill: ${describeCount(before)}`);
        victim.child.signal('SIGKILL');
        await victim.child.exited;
        // Kong cannot probe a gRPC port: a refused connection is retried on the next target.
        const after = await greet(proxy, stack.consumer.apiKey, 20);
        if (failureCount(after) > 0) throw new Error(`after the kill: ${describeCount(after)}`);
        return `before: ${describeCount(before)}; after SIGKILL of ${victim.instanceId}: ${describeCount(after)}`;
      },
    },
    {
      title: 'registration: a new service is reachable through the proxy',
      run: async () => {
        const kind = echoKind('catalog');
        const started = Date.now();
        await stack.startInstance(kind, 'catalog-1');
        await stack.waitForRoute(kind, 15_000);
        return `/catalog answered 200 ${Date.now() - started} ms after the process started`;
      },
    },
    {
      title: 'users still answer with a fresh JWT (the tour left the rest alone)',
      run: async () => {
        const reply = await get('/users/me', stack.credentialsFor(users));
        expectStatus(reply.status, 200, 'GET /users/me');
        return `answered by ${(reply.body as { instanceId?: string }).instanceId}`;
      },
    },
  ];
}

/** Runs the steps in order, printing each; resolves with every result. */
export async function runTour(
  steps: TourStep[],
  print: (line: string) => void,
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const [index, step] of steps.entries()) {
    print(`tour ${index + 1}/${steps.length}: ${step.title} ...`);
    try {
      const detail = await step.run();
      results.push({ title: step.title, passed: true, detail });
      print(`  ✓ ${step.title}: ${detail}`);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      results.push({ title: step.title, passed: false, detail });
      print(`  ✗ ${step.title}: ${detail}`);
    }
  }
  return results;
}
