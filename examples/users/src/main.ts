/**
 * Example service "users": Kong protects it with the jwt plugin (HS256 or RS256, `exp` checked).
 * It registers itself with the registry through the SDK, answers Kong's health probes on
 * /health, and echoes every other request as JSON: the consumer Kong matched, the claims of the
 * token Kong verified, the path after the prefix was stripped and the instance that answered.
 * The server itself is examples/shared/src/echo-service.ts.
 */
import type { IncomingMessage } from 'node:http';
// Compiled next door (examples/shared, a project reference); imported from its dist at run time.
import { runEchoService } from '../../shared/dist';

/**
 * The claims of the bearer token Kong already verified (Kong passes the Authorization header
 * on). Decoded for display only: this service trusts them because only Kong can reach it; it
 * never verifies signatures itself.
 */
function verifiedClaims(req: IncomingMessage): Record<string, unknown> | null {
  const match = /^Bearer\s+[^.\s]+\.([^.\s]+)\.[^.\s]*$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8'));
    return claims !== null && typeof claims === 'object'
      ? (claims as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

runEchoService({
  service: 'users',
  auth: 'jwt',
  authSummary: 'JWT at the gateway',
  echoExtras: (req) => ({ claims: verifiedClaims(req) }),
});
