import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { RegistryEvent, StateSnapshot } from '@kong-registry/sdk';
import { waitFor } from '../../helpers/wait';
import { createHarness, registration, type Harness } from './harness';
import { SseReader } from './sse-client';

describe('registry: GET /v1/events (SSE)', () => {
  let h: Harness;
  let server: Server;
  let base: string;
  const readers: SseReader[] = [];

  beforeEach(async () => {
    h = await createHarness();
    server = createServer(h.app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await Promise.all(readers.splice(0).map((r) => r.close()));
    h.sse.closeAll();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await h.close();
  });

  const subscribe = (headers: Record<string, string> = {}, query = '') => {
    const reader = new SseReader(`${base}/v1/events${query}`, {
      Authorization: `Bearer ${h.admin}`,
      ...headers,
    });
    readers.push(reader);
    return reader;
  };
  const register = (id: string) =>
    request(h.app)
      .put(`/v1/services/orders/instances/${id}`)
      .set('Authorization', `Bearer ${h.admin}`)
      .send(registration());
  const parse = (data: string) => JSON.parse(data) as RegistryEvent;

  it('streams changes with the stream id as SSE id and the type as event', async () => {
    const reader = subscribe();
    await waitFor(() => h.sse.size === 1, { what: 'the subscription' });
    await register('i-1');
    await waitFor(() => reader.events.length >= 2, { what: 'two events' });
    expect(reader.events.map((m) => m.event)).toEqual(['service.updated', 'instance.registered']);
    const event = parse(reader.events[1]?.data ?? '{}');
    expect(event).toMatchObject({
      id: reader.events[1]?.id,
      type: 'instance.registered',
      service: 'orders',
      instanceId: 'i-1',
    });
    expect(event.revision).toBeGreaterThan(0);
  });

  it('resumes after a reconnect with Last-Event-ID: nothing lost, nothing repeated', async () => {
    const first = subscribe();
    await waitFor(() => h.sse.size === 1, { what: 'the subscription' });
    await register('i-1');
    await waitFor(() => first.events.length >= 2, { what: 'the first events' });
    const lastSeen = first.events.at(-1)?.id ?? '';
    await first.close();
    await waitFor(() => h.sse.size === 0, { what: 'the server to notice the disconnect' });

    // Changes while nobody listens.
    await register('i-2');
    await request(h.app)
      .delete('/v1/services/orders/instances/i-1')
      .set('Authorization', `Bearer ${h.admin}`);

    const second = subscribe({ 'Last-Event-ID': lastSeen });
    await waitFor(() => second.events.length >= 2, { what: 'the missed events' });
    await register('i-3');
    await waitFor(() => second.events.length >= 3, { what: 'a live event after the replay' });
    expect(second.events.map((m) => `${m.event}:${parse(m.data).instanceId ?? ''}`)).toEqual([
      'instance.registered:i-2',
      'instance.deregistered:i-1',
      'instance.registered:i-3',
    ]);
    expect(second.events.every((m) => (m.id ?? '') > lastSeen)).toBe(true);
  });

  it('continues exactly after a /v1/state snapshot with ?since=lastEventId', async () => {
    await register('i-1');
    const state = (await request(h.app).get('/v1/state').set('Authorization', `Bearer ${h.admin}`))
      .body as StateSnapshot;
    expect(state.lastEventId).toMatch(/^\d+-\d+$/);
    await register('i-2');
    const reader = subscribe({}, `?since=${state.lastEventId ?? ''}`);
    await waitFor(() => reader.events.length >= 1, { what: 'the event after the snapshot' });
    expect(parse(reader.events[0]?.data ?? '{}')).toMatchObject({
      instanceId: 'i-2',
      revision: state.revision + 1,
    });
  });

  it('sends "reset" when the resume point was trimmed away', async () => {
    await register('i-1');
    const old =
      (
        (await h.redis.xrange(h.repository.keys.events, '-', '+')) as [string, string[]][]
      )[0]?.[0] ?? '';
    await register('i-2');
    await h.redis.xtrim(h.repository.keys.events, 'MAXLEN', 1);
    const reader = subscribe({ 'Last-Event-ID': old });
    await waitFor(() => reader.messages.some((m) => m.event === 'reset'), {
      what: 'a reset message',
    });
    expect(reader.messages[0]).toMatchObject({ event: 'reset' });
  });

  it('does not send "reset" for a resume point older than the stream when nothing was trimmed', async () => {
    await register('i-1');
    // A time-based resume point, as the web UI uses: 15 minutes ago, before the first event.
    const reader = subscribe({}, `?since=${Date.now() - 15 * 60_000}-0`);
    await waitFor(() => reader.events.length >= 2, { what: 'the replayed events' });
    expect(reader.messages.some((m) => m.event === 'reset')).toBe(false);
    expect(reader.events.map((m) => m.event)).toEqual(['service.updated', 'instance.registered']);
  });

  it('refuses a malformed Last-Event-ID and a missing token', async () => {
    const bad = await request(h.app)
      .get('/v1/events')
      .set('Authorization', `Bearer ${h.admin}`)
      .set('Last-Event-ID', 'yesterday');
    expect(bad.status).toBe(400);
    const anonymous = await request(h.app).get('/v1/events');
    expect(anonymous.status).toBe(401);
  });

  it('service tokens may subscribe; closeAll ends every stream (shutdown)', async () => {
    const reader = new SseReader(`${base}/v1/events`, {
      Authorization: `Bearer ${h.tokenFor('orders')}`,
    });
    readers.push(reader);
    await waitFor(() => reader.status !== 0 && h.sse.size === 1, { what: 'the subscription' });
    expect(reader.status).toBe(200);
    h.sse.closeAll();
    await waitFor(() => reader.ended, { what: 'the stream to end' });
  });
});
