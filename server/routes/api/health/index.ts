import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorResponses, Health } from '../../../../contract/index';
import { RATE_LIMITS } from '../../../rate-limits';
import { checkDatabase } from '../../../services/desk';

/** GET /api/health — liveness plus a real round trip to SQLite. */
const health: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '',
    {
      schema: { tags: ['desk'], summary: 'Liveness and database check', response: { 200: Health, ...errorResponses(429, 500) } },
      config: { rateLimit: RATE_LIMITS.health },
    },
    async () => {
      checkDatabase(app.db);
      return { ok: true as const, db: 'ok' as const };
    },
  );
};

export default health;
