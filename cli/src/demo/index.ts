/**
 * The demo orchestrator's public surface, shared by `npm run demo` and the e2e suite
 * (test/e2e/helpers), so both start the system the same way.
 */
export { runDemoCommand, demoServices } from './command';
export { loadDemoConfig, DEMO_TIMINGS, type DemoConfig, type DemoTimings } from './config';
export { startDemoStack, defaultServicePlan, type DemoStack, type ServicePlan } from './stack';
export { EXAMPLES, echoKind, type ServiceKind, type ServiceInstance } from './services';
export { ManagedChild, type LogSink } from './child';
export { signDemoJwt, type DemoConsumer } from './consumer';
export { callJson, pollUntil } from './http';
export { readTargetHealth, readTargets, type KongTarget } from './kong';
export * from './traffic';
export { formatLogLine } from './log-format';
export { tourSteps, runTour } from './tour';
export { greet, greeterClientCommand } from './grpc-client';
