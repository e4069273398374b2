import { CONSUMER_HEADERS, configValue } from './consumer';
import type { AccessPlugin } from './types';

const FORBIDDEN = 'You cannot consume this service';

/**
 * acl (K:kong/plugins/acl/handler.lua), priority 950: runs after key-auth and jwt and
 * checks the consumer's groups against `allow` or `deny` (exactly one is set).
 */
export const aclPlugin: AccessPlugin = {
  name: 'acl',
  priority: 950,
  access(config, ctx) {
    if (!ctx.consumer) {
      if (ctx.credential) return { type: 'error', status: 403, message: FORBIDDEN };
      return { type: 'error', status: 401, message: 'Unauthorized' };
    }
    const consumerId = ctx.consumer.id;
    const groups = ctx.store
      .list('acls')
      .filter((a) => a.consumer.id === consumerId)
      .map((a) => a.group);
    const allow = configValue<string[] | null>(config, 'allow', null);
    const deny = configValue<string[] | null>(config, 'deny', null);
    const blocked = allow
      ? !groups.some((g) => allow.includes(g))
      : groups.some((g) => (deny ?? []).includes(g));
    if (blocked) return { type: 'error', status: 403, message: FORBIDDEN };
    if (!configValue(config, 'hide_groups_header', false) && groups.length > 0) {
      ctx.upstreamHeaders[CONSUMER_HEADERS.groups] = groups.join(', ');
    }
    return undefined;
  },
};
