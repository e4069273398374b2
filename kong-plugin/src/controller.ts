/**
 * `createController(config)`: the control plane with Prometheus metrics (controller-core.ts does
 * the wiring). This is what `kong-registry controller`, the demo and the e2e tests use in-process.
 */
import type { ControllerConfig } from './config';
import { assembleController, type Controller, type ControllerOptions } from './controller-core';
import { ControllerMetrics } from './metrics';

export type { Controller, ControllerOptions } from './controller-core';

/** Builds a controller from a validated config. Nothing runs until start() or reconcileOnce(). */
export function createController(
  config: ControllerConfig,
  options: ControllerOptions = {},
): Controller {
  return assembleController(config, new ControllerMetrics(), options);
}
