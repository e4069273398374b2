import { Router } from 'express';
import { z } from 'zod';
import { STREAM_ID } from '../../events/sse';
import { parseOrThrow } from '../../instances/validation';
import type { AppDeps } from '../deps';

const resumeSchema = z.string().regex(STREAM_ID, 'a stream id like 1700000000000-0');
const querySchema = z.strictObject({ since: resumeSchema.optional() });

/** `GET /v1/events`: Server-Sent Events, resumable with `Last-Event-ID` or `?since=`. */
export function eventRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/v1/events', async (req, res) => {
    const query = parseOrThrow(querySchema, req.query, 'query');
    const header = req.get('last-event-id');
    const since =
      header !== undefined && header !== ''
        ? parseOrThrow(resumeSchema, header, 'Last-Event-ID')
        : (query.since ?? null);
    await deps.sse.open(req, res, since);
  });
  return router;
}
