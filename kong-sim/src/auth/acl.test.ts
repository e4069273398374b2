import { authContext } from '../proxy/__tests__/auth-context';
import { aConsumer, anAcl, MemoryStore } from '../proxy/__tests__/memory-store';
import { aclPlugin } from './acl';
import { setConsumer } from './consumer';

function setup() {
  const store = new MemoryStore();
  const alice = store.put('consumers', aConsumer('alice'));
  store.put('acls', anAcl(alice, 'admins'));
  store.put('acls', anAcl(alice, 'ops'));
  const bob = store.put('consumers', aConsumer('bob'));
  return { store, alice, bob };
}

// Kong's rules: K:kong/plugins/acl/handler.lua.
describe('acl access', () => {
  it('401 Unauthorized when no consumer was identified', () => {
    const { store } = setup();
    expect(aclPlugin.access({ allow: ['admins'] }, authContext(store))).toEqual({
      type: 'error',
      status: 401,
      message: 'Unauthorized',
    });
  });

  it.each([
    ['alice', { allow: ['admins'] }, undefined],
    ['alice', { allow: ['nobody'] }, 403],
    ['bob', { allow: ['admins'] }, 403],
    ['alice', { deny: ['ops'] }, 403],
    ['bob', { deny: ['ops'] }, undefined],
  ] as const)('%s with %j -> %s', (who, config, status) => {
    const { store, alice, bob } = setup();
    const ctx = authContext(store);
    setConsumer(ctx, who === 'alice' ? alice : bob, { id: 'c', identifier: 'c' });
    const exit = aclPlugin.access({ ...config }, ctx);
    if (status === undefined) expect(exit).toBeUndefined();
    else
      expect(exit).toEqual({ type: 'error', status, message: 'You cannot consume this service' });
  });

  it('sends X-Consumer-Groups unless hide_groups_header', () => {
    const { store, alice } = setup();
    const ctx = authContext(store);
    setConsumer(ctx, alice, { id: 'c', identifier: 'c' });
    aclPlugin.access({ allow: ['admins'] }, ctx);
    expect(ctx.upstreamHeaders['x-consumer-groups']).toBe('admins, ops');
    const hidden = authContext(store);
    setConsumer(hidden, alice, { id: 'c', identifier: 'c' });
    aclPlugin.access({ allow: ['admins'], hide_groups_header: true }, hidden);
    expect(hidden.upstreamHeaders['x-consumer-groups']).toBeUndefined();
  });
});
