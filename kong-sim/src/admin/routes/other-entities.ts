/**
 * Entities kong-sim does not model but that clients such as decK list
 * (kong-sim/KONG_BEHAVIOUR.md#how-deck-uses-the-admin-api): they answer as an empty OSS Kong 3.9
 * would, so dumps and syncs work.
 */
import { HttpError } from '../../dao/errors';
import { parseSize, parseTags } from '../../dao/paging';
import { ok, type AdminContext } from '../context';
import type { AdminRequest, Router } from '../router';

/** Collections that exist in OSS 3.9 and are always empty here. */
const EMPTY_COLLECTIONS = [
  'certificates',
  'snis',
  'ca_certificates',
  'vaults',
  'keys',
  'key-sets',
  'basic-auths',
  'hmac-auths',
  'oauth2',
];

/** Registers the empty collections and the wasm-only `/filter-chains`. */
export function mountOtherEntityRoutes(router: Router, _ctx: AdminContext): void {
  const emptyList = (req: AdminRequest): ReturnType<typeof ok> => {
    parseSize(req.query.get('size') ?? undefined);
    parseTags(req.query.get('tags') ?? undefined);
    return ok({ data: [], next: null });
  };
  for (const path of EMPTY_COLLECTIONS) {
    router.add(`/${path}`, { GET: emptyList });
    router.add(`/${path}/{id}`, {
      GET: () => {
        throw new HttpError(404, 'Not found');
      },
      DELETE: () => ({ status: 204 }),
    });
  }
  const wasmOnly = (): never => {
    throw new HttpError(400, 'this endpoint is only available when wasm is enabled');
  };
  router.add('/filter-chains', { GET: wasmOnly, POST: wasmOnly });
}
