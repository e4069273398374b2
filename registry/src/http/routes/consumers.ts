import { Router } from 'express';
import { z } from 'zod';
import {
  createConsumerSchema,
  createCredentialSchema,
  updateConsumerSchema,
  usernameSchema,
  type ConsumerService,
} from '../../consumers/service';
import { parseOrThrow } from '../../instances/validation';
import { requireAdmin } from '../middleware/auth';
import { withoutSecrets } from './services';

const credentialIdSchema = z.uuid('credential ids are UUIDs');

/**
 * Consumers for gateway authentication, admin only. A credential's secret is in the creation
 * reply and in `GET /v1/state`; listings never show it.
 */
export function consumerRoutes(consumers: ConsumerService): Router {
  const router = Router();
  router.use('/v1/consumers', requireAdmin);

  router.post('/v1/consumers', async (req, res) => {
    const body = parseOrThrow(createConsumerSchema, req.body ?? {}, 'consumer');
    res.status(201).json(await consumers.create(body));
  });

  router.get('/v1/consumers', async (_req, res) => {
    const list = await consumers.list();
    res.json({ consumers: list.map(withoutSecrets) });
  });

  router.get('/v1/consumers/:username', async (req, res) => {
    const username = parseOrThrow(usernameSchema, req.params.username, 'username');
    res.json(withoutSecrets(await consumers.get(username)));
  });

  router.patch('/v1/consumers/:username', async (req, res) => {
    const username = parseOrThrow(usernameSchema, req.params.username, 'username');
    const body = parseOrThrow(updateConsumerSchema, req.body ?? {}, 'consumer update');
    res.json(withoutSecrets(await consumers.update(username, body)));
  });

  router.delete('/v1/consumers/:username', async (req, res) => {
    const username = parseOrThrow(usernameSchema, req.params.username, 'username');
    await consumers.delete(username);
    res.status(204).end();
  });

  router.post('/v1/consumers/:username/credentials', async (req, res) => {
    const username = parseOrThrow(usernameSchema, req.params.username, 'username');
    const body = parseOrThrow(createCredentialSchema, req.body ?? {}, 'credential');
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json(await consumers.addCredential(username, body));
  });

  router.delete('/v1/consumers/:username/credentials/:id', async (req, res) => {
    const username = parseOrThrow(usernameSchema, req.params.username, 'username');
    const id = parseOrThrow(credentialIdSchema, req.params.id, 'credential id');
    await consumers.deleteCredential(username, id);
    res.status(204).end();
  });

  return router;
}
