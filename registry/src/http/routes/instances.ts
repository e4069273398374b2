import { Router } from 'express';
import { z } from 'zod';
import { RegistryError } from '../../errors';
import { drainDeadline } from '../../instances/lease';
import { instanceIdSchema, parseOrThrow, serviceNameSchema } from '../../instances/validation';
import type { AppDeps } from '../deps';
import { HEARTBEAT_ROUTE, renewLease } from '../heartbeat';
import { requireAdmin, requireServiceScope, tokenOf } from '../middleware/auth';
import { createRegistrar, plainAddress, REGISTER_ROUTE } from '../register';

const paramsSchema = z.object({ service: serviceNameSchema, instanceId: instanceIdSchema });
const heartbeatSchema = z.strictObject({}).optional();
const deleteQuerySchema = z.strictObject({ drain: z.enum(['true', 'false', '1', '0']).optional() });
/** Body of `PUT .../gateway-health`. */
export const gatewayHealthSchema = z.strictObject({
  status: z
    .enum(['HEALTHY', 'UNHEALTHY', 'HEALTHCHECKS_OFF', 'DNS_ERROR', 'UNKNOWN'])
    .describe("Kong's health of the target (GET /upstreams/{u}/health)"),
});

/**
 * Register, heartbeat, deregister/drain and the control plane's gateway-health report. Service
 * tokens may only touch their own service; admin tokens any.
 */
export function instanceRoutes(deps: AppDeps, registrar = createRegistrar(deps)): Router {
  const { config, repository, clock, logger } = deps;
  const router = Router({ mergeParams: true });
  const log = logger.child({ component: 'instances' });

  router.put(REGISTER_ROUTE, requireServiceScope, async (req, res) => {
    const { status, reply } = await registrar({
      service: req.params.service,
      instanceId: req.params.instanceId,
      body: req.body as unknown,
      token: tokenOf(res),
      rawToken: res.locals.rawToken as string,
      callerAddress: () => plainAddress(req.ip ?? req.socket.remoteAddress),
    });
    res.status(status).json(reply);
  });

  router.put(HEARTBEAT_ROUTE, requireServiceScope, async (req, res) => {
    const { service, instanceId } = parseOrThrow(paramsSchema, req.params, 'path');
    parseOrThrow(heartbeatSchema, req.body, 'heartbeat body');
    res.status(200).json(await renewLease(deps, service, instanceId));
  });

  router.delete(
    '/v1/services/:service/instances/:instanceId',
    requireServiceScope,
    async (req, res) => {
      const { service, instanceId } = parseOrThrow(paramsSchema, req.params, 'path');
      const query = parseOrThrow(deleteQuerySchema, req.query, 'query');
      const now = clock();
      if (query.drain === 'true' || query.drain === '1') {
        const drainUntil = drainDeadline(now, config.lease.drainSeconds);
        const instance = await repository.drain(service, instanceId, now, drainUntil);
        if (!instance)
          throw new RegistryError(
            'REG_ERR_INSTANCE_NOT_FOUND',
            `no instance ${service}/${instanceId}`,
          );
        log.info({ service, instanceId, drainUntil: instance.drainUntil }, 'instance draining');
        res.status(202).json({ instance });
        return;
      }
      const revision = await repository.deregister(service, instanceId, now);
      if (revision === null)
        throw new RegistryError(
          'REG_ERR_INSTANCE_NOT_FOUND',
          `no instance ${service}/${instanceId}`,
        );
      log.info({ service, instanceId, revision }, 'instance deregistered');
      res.status(204).end();
    },
  );

  router.put(
    '/v1/services/:service/instances/:instanceId/gateway-health',
    requireAdmin,
    async (req, res) => {
      const { service, instanceId } = parseOrThrow(paramsSchema, req.params, 'path');
      const { status } = parseOrThrow(gatewayHealthSchema, req.body ?? {}, 'gateway health');
      const instance = await repository.reportGatewayHealth(service, instanceId, status, clock());
      if (!instance)
        throw new RegistryError(
          'REG_ERR_INSTANCE_NOT_FOUND',
          `no instance ${service}/${instanceId}`,
        );
      res.status(200).json({ instance });
    },
  );

  return router;
}
