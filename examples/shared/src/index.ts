export { runEchoService, type EchoServiceSpec } from './echo-service';
export {
  ConfigError,
  exampleUsage,
  loadExampleConfig,
  type ExampleConfig,
  type ExampleIdentity,
} from './config';
export { sdkLoggerFor, stderrLog, type Log } from './log';
export { runExample } from './run-example';
