import { RegistryError } from '../errors';
import type { VerifiedToken } from './jwt';

/** Admin tokens, or a service token for exactly `service`; REG_ERR_FORBIDDEN otherwise. */
export function assertServiceScope(token: VerifiedToken, service: unknown): void {
  if (token.role !== 'admin' && token.service !== service) {
    throw new RegistryError(
      'REG_ERR_FORBIDDEN',
      `this token is for service '${token.service ?? ''}', not '${String(service)}'`,
    );
  }
}

/** Only admin tokens; REG_ERR_FORBIDDEN otherwise. */
export function assertAdmin(token: VerifiedToken): void {
  if (token.role !== 'admin')
    throw new RegistryError('REG_ERR_FORBIDDEN', 'this needs an admin token');
}
