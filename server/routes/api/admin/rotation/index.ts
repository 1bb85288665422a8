import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorResponses, MAX_REWRAP_BATCH, Rewrapped, RewrapBody, RotationQuery, RotationStatus, SkipWrapsBody, WrapsSkipped } from '../../../../../contract/index';
import { RATE_LIMITS } from '../../../../rate-limits';
import { applyRewraps, rotationStatus, skipWraps } from '../../../../services/rotation';

/** Mounted at /api/admin (not /api/admin/rotation): the routes are /rotation, /rewrap and /rotation/skip. */
export const prefixOverride = '/api/admin';

const errors = errorResponses(400, 401, 403, 404, 409, 413, 429);
const bearer = [{ bearer: [] }];

/**
 * SPEC §7 rotation steps, admin only (the admin folder's autohooks): GET /rotation (progress and
 * the next batch of wraps to re-seal) and POST /rewrap (store a batch).
 */
const rotationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/rotation',
    {
      schema: {
        tags: ['admin'],
        summary: 'Rotation progress and the next batch of wraps still sealed to an older team key',
        security: bearer,
        querystring: RotationQuery,
        response: { 200: RotationStatus, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.rotation },
    },
    async (request) => rotationStatus(app.db, { limit: request.query.limit, cursor: request.query.cursor }),
  );

  app.post(
    '/rewrap',
    {
      schema: {
        tags: ['admin'],
        summary: `Store up to ${MAX_REWRAP_BATCH} re-sealed ticket/note/label key wraps for the current team key (all or nothing)`,
        security: bearer,
        body: RewrapBody,
        response: { 200: Rewrapped, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.rotation },
    },
    async (request) => applyRewraps(app.db, request.staff!.id, request.body.wraps),
  );

  app.post(
    '/rotation/skip',
    {
      schema: {
        tags: ['admin'],
        summary: 'Report pending wraps that cannot be re-wrapped (malformed, or they do not open): listed with the reason, no longer blocking team-key-retire; audited',
        security: bearer,
        body: SkipWrapsBody,
        response: { 200: WrapsSkipped, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.rotation },
    },
    async (request) => skipWraps(app.db, request.staff!.id, request.body.wraps),
  );
};

export default rotationRoutes;
