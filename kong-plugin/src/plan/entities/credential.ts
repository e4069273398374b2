/**
 * Differs for consumer credentials: key-auth keys, jwt secrets and acl group memberships. The
 * jwt secret of asymmetric credentials is ignored by normalize.ts (Kong makes one up).
 */
import { makeDiffer, type Differ } from './differ';

/** Plans key-auth credential changes. */
export const keyAuthDiffer: Differ = makeDiffer('key-auth');
/** Plans jwt credential changes. */
export const jwtDiffer: Differ = makeDiffer('jwt');
/** Plans acl group membership changes. */
export const aclDiffer: Differ = makeDiffer('acl');
