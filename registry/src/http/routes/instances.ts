import { Router } from 'express';
import type { InstanceService } from '../../instances/instance-service';
import { tokenOf } from '../middleware/auth';
import { callerAddressOf, HEARTBEAT_ROUTE, INSTANCE_ROUTE } from '../instance-paths';

/**
 * Register, heartbeat, deregister/drain and the control plane's gateway-health report: thin
 * adapters over {@link InstanceService}, which checks scope, input and policy. The plain register
 * and heartbeat rarely get here: the hot lane in front of Express serves them (../app.ts); these
 * routes take every other form of the same requests, with the same replies.
 */
export function instanceRoutes(instances: InstanceService): Router {
  const router = Router({ mergeParams: true });

  router.put(INSTANCE_ROUTE, async (req, res) => {
    const { status, reply } = await instances.register({
      service: req.params.service,
      instanceId: req.params.instanceId,
      body: req.body as unknown,
      token: tokenOf(res),
      callerAddress: () => callerAddressOf(req.ip ?? req.socket.remoteAddress),
    });
    res.status(status).json(reply);
  });

  router.put(HEARTBEAT_ROUTE, async (req, res) => {
    res.status(200).json(await instances.heartbeat(tokenOf(res), req.params, req.body as unknown));
  });

  router.delete(INSTANCE_ROUTE, async (req, res) => {
    const outcome = await instances.remove(tokenOf(res), req.params, req.query);
    if (outcome.status === 202) res.status(202).json({ instance: outcome.instance });
    else res.status(204).end();
  });

  router.put(`${INSTANCE_ROUTE}/gateway-health`, async (req, res) => {
    const instance = await instances.reportGatewayHealth(tokenOf(res), req.params, req.body);
    res.status(200).json({ instance });
  });

  return router;
}
