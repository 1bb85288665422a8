import { sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorResponse } from '../../../errors';

const Health = z.object({ ok: z.literal(true), db: z.literal('ok') });

/** GET /api/health — liveness plus a real round trip to SQLite. */
const health: FastifyPluginAsyncZod = async (app) => {
  // '' (not '/'): the route is exactly the prefix, so OpenAPI lists /api/<name> without a slash.
  app.get(
    '',
    {
      schema: {
        tags: ['desk'],
        summary: 'Liveness and database check',
        response: { 200: Health, 429: ErrorResponse, 500: ErrorResponse },
      },
      config: { rateLimit: { max: 120, timeWindow: '1 minute' } },
    },
    async () => {
      app.db.get(sql`select 1`);
      return { ok: true as const, db: 'ok' as const };
    },
  );
};

export default health;
