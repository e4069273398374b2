/**
 * Two controller replicas on one Redis lock: exactly one writes; when it stops, the other takes
 * over and converges the next change.
 */
import { waitFor } from '../../helpers/wait';
import { kongTargets, startStack, type Stack } from './harness';

describe('leader election between controller replicas', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { RESYNC_INTERVAL: '500ms' } });
    stack.addController();
  });
  afterAll(async () => {
    await stack.close();
  });

  const targets = () => kongTargets(stack.kong, 'orders');

  it('has exactly one writer, and a follower that takes over when it stops', async () => {
    const [a, b] = stack.controllers as [
      (typeof stack.controllers)[0],
      (typeof stack.controllers)[0],
    ];
    await Promise.all([a.start(), b.start()]);
    await stack.register('orders', 'o-1', { host: '127.0.0.1', port: 9601 });
    await waitFor(async () => (await targets()).length === 1, { what: 'the first target in Kong' });
    await waitFor(() => a.ready && b.ready, { what: 'both replicas ready' });
    expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);
    const leader = a.isLeader ? a : b;
    const follower = a.isLeader ? b : a;

    const followerReport = await follower.reconcileOnce();
    expect(followerReport.applied).toBe(false);

    await leader.stop();
    await waitFor(() => follower.isLeader, {
      what: 'the follower to take over',
      timeoutMs: 10_000,
    });
    await stack.register('orders', 'o-2', { host: '127.0.0.2', port: 9601 });
    await waitFor(async () => (await targets()).length === 2, {
      what: 'the new leader to converge Kong',
    });
    expect(await targets()).toEqual(['127.0.0.1:9601', '127.0.0.2:9601']);
  });
});
