/** `/config` (facts §6): DB-less declarative loads; in DB mode it only answers 400. */
import { HttpError } from '../../dao/errors';
import type { AdminContext } from '../context';
import type { Router } from '../router';

/** Registers `/config`. */
export function mountConfigRoutes(router: Router, ctx: AdminContext): void {
  const dbOnly = (): never => {
    throw new HttpError(
      400,
      'this endpoint is only available when Kong is configured to not use a database',
    );
  };
  if (ctx.mode === 'db') {
    router.add('/config', { GET: dbOnly, POST: dbOnly });
  }
}
