/**
 * Example service "orders": Kong protects it with key-auth. It registers itself with the
 * registry through the SDK, answers Kong's health probes on /health, and echoes every other
 * request as JSON so you can see what Kong forwarded (which consumer, which path after the prefix
 * was stripped, which instance answered). The server itself is examples/shared/src/echo-service.ts.
 */
// Compiled next door (examples/shared, a project reference); imported from its dist at run time.
import { runEchoService } from '../../shared/dist';

runEchoService({ service: 'orders', auth: 'key-auth', authSummary: 'key-auth at the gateway' });
