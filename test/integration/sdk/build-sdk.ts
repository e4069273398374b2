import { buildProject, ROOT } from '../../helpers/build';

export { ROOT };

/** Builds sdk/dist: child processes import the SDK as users do. */
export function buildSdk(): void {
  buildProject('sdk');
}
