import * as grpc from '@grpc/grpc-js';
import jsonwebtoken from 'jsonwebtoken';
import {
  greeterClient,
  http2Call,
  sayHello,
  startGreeterUpstream,
  type GreeterClient,
  type GreeterUpstream,
} from '../../helpers/grpc';
import {
  adminJson,
  proxyCall,
  startKongTarget,
  uniqueName,
  type KongTarget,
} from './proxy-helpers';

const GRPC = { 'content-type': 'application/grpc', te: 'trailers' };

// Kong's gRPC rules: kong-sim/KONG_BEHAVIOUR.md#grpc (from K:kong/runloop/handler.lua,
// K:kong/pdk/response.lua, K:kong/error_handlers.lua and the `@grpc` location of
// K:kong/templates/nginx_kong.lua).
describe('gRPC through the proxy (h2c)', () => {
  let kong: KongTarget;
  let upstreams: GreeterUpstream[];
  let client: GreeterClient;
  let service: string;
  let upstream: string;

  beforeAll(async () => {
    kong = await startKongTarget();
    upstreams = [await startGreeterUpstream('one'), await startGreeterUpstream('two')];
    upstream = uniqueName('grpc-up');
    await adminJson(kong, 'POST', '/upstreams', { name: upstream });
    for (const u of upstreams)
      await adminJson(kong, 'POST', `/upstreams/${upstream}/targets`, { target: u.address });
    service = uniqueName('grpc-svc');
    await adminJson(kong, 'POST', '/services', { name: service, protocol: 'grpc', host: upstream });
    await adminJson(kong, 'POST', `/services/${service}/routes`, {
      protocols: ['grpc'],
      paths: ['/demo.Greeter/'],
    });
    client = greeterClient(kong.proxy);
  });
  afterAll(async () => {
    client.close();
    await Promise.all(upstreams.map((u) => u.kill()));
    await kong.close();
  });

  it('GET / shows the http2 flag on the proxy listener', async () => {
    const root = await adminJson<{ configuration: { proxy_listeners: { http2: boolean }[] } }>(
      kong,
      'GET',
      '/',
    );
    expect(root.configuration.proxy_listeners[0]?.http2).toBe(true);
  });

  it('proxies a unary call with Kong headers both ways, round robin over the targets', async () => {
    const first = await sayHello(client, 'ada');
    const second = await sayHello(client, 'ada');
    expect(first.reply?.message).toBe('hello ada');
    expect(new Set([first.reply?.instanceId, second.reply?.instanceId])).toEqual(
      new Set(['one', 'two']),
    );
    expect(first.headers?.get('via')).toEqual(['2 kong/3.9.3']);
    expect(first.headers?.get('x-kong-request-id')[0]).toMatch(/^[0-9a-f]{32}$/);
    const seen = upstreams.flatMap((u) => u.seen).at(-1);
    expect(seen?.get('via')).toEqual(['2 kong/3.9.3']);
    expect(seen?.get('x-forwarded-path')).toEqual(['/demo.Greeter/SayHello']);
    expect(seen?.get('x-kong-request-id')[0]).toMatch(/^[0-9a-f]{32}$/);
  });

  it('streams server replies and passes the trailers through', async () => {
    const metadata = new grpc.Metadata();
    const call = client.StreamHellos({ name: 'x', count: 3 }, metadata, {
      deadline: Date.now() + 5000,
    });
    const replies: string[] = [];
    let trailer: string | undefined;
    call.on('data', (reply: { message: string }) => replies.push(reply.message));
    call.on('status', (status: grpc.StatusObject) => {
      trailer = String(status.metadata.get('x-count')[0]);
    });
    await new Promise((resolve, reject) => call.on('end', resolve).on('error', reject));
    expect(replies).toEqual(['hello #1', 'hello #2', 'hello #3']);
    expect(trailer).toBe('3');
  });

  it("passes the service's own error status and message through", async () => {
    const outcome = await sayHello(client, 'missing');
    expect(outcome.error?.code).toBe(grpc.status.NOT_FOUND);
    expect(outcome.error?.details).toBe('no such greeting');
  });

  it('a path no route matches: grpc-status 5 with the status name as message', async () => {
    const reply = await http2Call(kong.proxy, '/demo.Nothing/Call', GRPC);
    expect(reply.headers[':status']).toBe(404);
    expect(reply.headersOnly).toBe(true);
    expect(reply.headers['content-type']).toBe('application/grpc');
    expect(reply.headers['grpc-status']).toBe('5');
    expect(reply.headers['grpc-message']).toBe('NotFound');
  });

  it('refuses a gRPC call over HTTP/1.1 with 426 and a non-gRPC body with 415', async () => {
    const h1 = await proxyCall(kong, '/demo.Greeter/SayHello', {
      method: 'POST',
      headers: { 'content-type': 'application/grpc' },
    });
    expect(h1.status).toBe(426);
    expect(h1.headers.get('upgrade')).toBe('HTTP/2');
    expect(h1.json().message).toBe('Please use HTTP2 protocol');
    const json = await http2Call(kong.proxy, '/demo.Greeter/SayHello', {
      'content-type': 'application/json',
    });
    expect(json.headers[':status']).toBe(415);
    expect(JSON.parse(json.body).message).toBe('Non-gRPC request matched gRPC route');
  });

  it('a plain gRPC call on a grpcs-only route gets status 200 and grpc-status 1', async () => {
    const secure = uniqueName('grpcs-svc');
    await adminJson(kong, 'POST', '/services', { name: secure, protocol: 'grpc', host: upstream });
    await adminJson(kong, 'POST', `/services/${secure}/routes`, {
      protocols: ['grpcs'],
      paths: ['/demo.Secure/'],
    });
    const reply = await http2Call(kong.proxy, '/demo.Secure/Call', GRPC);
    expect(reply.headers[':status']).toBe(200);
    expect(reply.headers['grpc-status']).toBe('1');
    expect(reply.headers['grpc-message']).toBe('gRPC request matched gRPCs route');
  });

  describe('key-auth reads the key from the metadata', () => {
    const consumer = uniqueName('grpc-user');
    let keyedClient: GreeterClient;
    beforeAll(async () => {
      const keyed = uniqueName('keyed');
      await adminJson(kong, 'POST', '/services', { name: keyed, protocol: 'grpc', host: upstream });
      await adminJson(kong, 'POST', `/services/${keyed}/routes`, {
        protocols: ['grpc'],
        paths: ['/demo.Greeter/'],
        hosts: ['keyed.test'],
      });
      await adminJson(kong, 'POST', `/services/${keyed}/plugins`, { name: 'key-auth' });
      await adminJson(kong, 'POST', '/consumers', { username: consumer });
      await adminJson(kong, 'POST', `/consumers/${consumer}/key-auth`, { key: `${consumer}-key` });
      keyedClient = greeterClient(kong.proxy, 'keyed.test');
    });
    afterAll(() => keyedClient.close());

    it('without a key: UNAUTHENTICATED, with the status name as message', async () => {
      const outcome = await sayHello(keyedClient, 'ada');
      expect(outcome.error?.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(outcome.error?.details).toBe('Unauthenticated');
    });

    it('with the key as metadata: the consumer reaches the service', async () => {
      const outcome = await sayHello(keyedClient, 'ada', { apikey: `${consumer}-key` });
      expect(outcome.reply?.consumer).toBe(consumer);
    });
  });

  describe('jwt reads the token from the authorization metadata', () => {
    const consumer = uniqueName('grpc-jwt-user');
    let jwtClient: GreeterClient;
    let secret: { key: string; secret: string };
    beforeAll(async () => {
      const svc = uniqueName('jwt-grpc');
      await adminJson(kong, 'POST', '/services', { name: svc, protocol: 'grpc', host: upstream });
      await adminJson(kong, 'POST', `/services/${svc}/routes`, {
        protocols: ['grpc'],
        paths: ['/demo.Greeter/'],
        hosts: ['jwt.test'],
      });
      await adminJson(kong, 'POST', `/services/${svc}/plugins`, { name: 'jwt' });
      await adminJson(kong, 'POST', '/consumers', { username: consumer });
      secret = await adminJson(kong, 'POST', `/consumers/${consumer}/jwt`, {});
      jwtClient = greeterClient(kong.proxy, 'jwt.test');
    });
    afterAll(() => jwtClient.close());

    it('without a token: UNAUTHENTICATED with the message jwt exits with', async () => {
      const outcome = await sayHello(jwtClient, 'ada');
      expect(outcome.error?.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(outcome.error?.details).toBe('Unauthorized');
    });

    it('with a signed token: the consumer reaches the service', async () => {
      const token = jsonwebtoken.sign({ iss: secret.key }, secret.secret);
      const outcome = await sayHello(jwtClient, 'ada', { authorization: `Bearer ${token}` });
      expect(outcome.reply?.consumer).toBe(consumer);
    });
  });

  it('a killed target: refused connections go to the next target, no call fails', async () => {
    const [victim, survivor] = upstreams as [GreeterUpstream, GreeterUpstream];
    await victim.kill();
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => sayHello(client, 'x')));
    expect(outcomes.map((o) => o.error?.code)).toEqual(Array(10).fill(undefined));
    expect(new Set(outcomes.map((o) => o.reply?.instanceId))).toEqual(new Set([survivor.name]));
  });

  it('no target answers: grpc-status 13 with the error page message', async () => {
    await Promise.all(upstreams.map((u) => u.kill()));
    const reply = await http2Call(kong.proxy, '/demo.Greeter/SayHello', GRPC);
    expect(reply.headers[':status']).toBe(502);
    expect(reply.headers['grpc-status']).toBe('13');
    expect(reply.headers['grpc-message']).toBe(
      'An invalid response was received from the upstream server',
    );
  });
});
