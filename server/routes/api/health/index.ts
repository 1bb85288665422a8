import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorResponses, Health } from '../../../../contract/index';
import { RATE_LIMITS } from '../../../rate-limits';
import { checkDatabase } from '../../../services/desk';

/** GET /api/health — liveness plus a real round trip to SQLite. */
const health: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '',
    {
      schema: {
        tags: ['desk'],
        summary: 'Liveness and database check: 503 storage_unavailable / 507 storage_full when the database cannot take a write',
        response: { 200: Health, ...errorResponses(429, 500, 503, 507) },
      },
      config: { rateLimit: RATE_LIMITS.health },
    },
    async () => {
      await checkDatabase(app.db);
      return { ok: true as const, db: 'ok' as const };
    },
  );
};

export default health;
