/**
 * `kong-registry agent`: a sidecar that registers any process with the registry, gated by its
 * health URL. See command.ts for the entry point and agent.ts for the state machine.
 */
export { runAgentCommand, parseAgentFlags } from './command';
export { RegistrationAgent, type AgentState, type AgentDeps } from './agent';
export { loadAgentConfig, AgentConfigError, type AgentConfig } from './config';
export { HealthGate } from './health-gate';
