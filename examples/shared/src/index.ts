export { runEchoService, type EchoServiceSpec } from './echo-service';
export {
  ConfigError,
  exampleUsage,
  loadExampleConfig,
  type ExampleConfig,
  type ExampleIdentity,
} from './config';
