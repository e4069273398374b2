/**
 * Assembles the Admin API route table: generated CRUD for every entity (like Kong's
 * endpoints.lua), then the custom routes that override or extend it.
 */
import { ok, type AdminContext } from './context';
import { listPage, mountCollection, mountNested, mountParentOf } from './endpoints';
import { HttpError } from '../dao/errors';
import { fieldKey } from '../dao/row-index';
import { Router } from './router';
import { mountConfigRoutes } from './routes/config';
import { mountHealthRoutes } from './routes/health';
import { mountNodeRoutes } from './routes/node';
import { mountOtherEntityRoutes } from './routes/other-entities';
import { mountSchemaRoutes } from './routes/schemas';
import { mountTagRoutes } from './routes/tags';
import { mountTargetRoutes } from './routes/targets';

/** Builds the full route table for one kong-sim instance. */
export function buildAdminRouter(ctx: AdminContext): Router {
  const router = new Router();
  mountNodeRoutes(router, ctx);
  mountSchemaRoutes(router, ctx);

  for (const [kind, path] of [
    ['services', 'services'],
    ['routes', 'routes'],
    ['upstreams', 'upstreams'],
    ['consumers', 'consumers'],
    ['plugins', 'plugins'],
    ['keyauth_credentials', 'key-auths'],
    ['jwt_secrets', 'jwts'],
    ['acls', 'acls'],
  ] as const) {
    mountCollection(router, ctx, kind, path);
  }

  mountNested(router, ctx, {
    parentKind: 'services',
    parentPath: 'services',
    childKind: 'routes',
    segment: 'routes',
    field: 'service',
  });
  for (const [parentKind, field] of [
    ['services', 'service'],
    ['routes', 'route'],
    ['consumers', 'consumer'],
  ] as const) {
    mountNested(router, ctx, {
      parentKind,
      parentPath: parentKind,
      childKind: 'plugins',
      segment: 'plugins',
      field,
    });
  }
  mountNested(router, ctx, {
    parentKind: 'consumers',
    parentPath: 'consumers',
    childKind: 'keyauth_credentials',
    segment: 'key-auth',
    field: 'consumer',
  });
  mountNested(router, ctx, {
    parentKind: 'consumers',
    parentPath: 'consumers',
    childKind: 'jwt_secrets',
    segment: 'jwt',
    field: 'consumer',
  });
  mountNested(router, ctx, {
    parentKind: 'consumers',
    parentPath: 'consumers',
    childKind: 'acls',
    segment: 'acls',
    field: 'consumer',
    childKey: 'group',
  });

  mountParentOf(router, ctx, 'routes', 'routes', 'service', 'services');
  for (const field of ['service', 'route', 'consumer'] as const)
    mountParentOf(router, ctx, 'plugins', 'plugins', field, `${field}s`);
  mountParentOf(router, ctx, 'keyauth_credentials', 'key-auths', 'consumer', 'consumers');
  mountParentOf(router, ctx, 'jwt_secrets', 'jwts', 'consumer', 'consumers');
  mountParentOf(router, ctx, 'acls', 'acls', 'consumer', 'consumers');

  // `GET /consumers?custom_id=X` is an exact lookup (K:kong/api/routes/consumers.lua).
  router.add('/consumers', {
    GET: (req) => {
      const customId = req.query.get('custom_id');
      if (customId === null) return listPage(ctx, 'consumers', req, '/consumers');
      if (customId === '') throw new HttpError(400, 'custom_id must be an unempty string');
      const found = ctx.dao.store.lookup('consumers', fieldKey('custom_id'), customId)[0];
      return ok({ data: found ? [found] : [], next: null });
    },
  });

  mountTargetRoutes(router, ctx);
  mountHealthRoutes(router, ctx);
  mountOtherEntityRoutes(router, ctx);
  mountConfigRoutes(router, ctx);
  mountTagRoutes(router, ctx);
  return router;
}
