import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DeskInfo, errorResponses } from '../../../../contract/index';
import { RATE_LIMITS } from '../../../rate-limits';
import { deskInfo } from '../../../services/desk';

/** GET /api/desk — what a client needs before it can pin the desk and submit anything. */
const deskRoutes: FastifyPluginAsyncZod = async (app) => {
  // '' (not '/'): the route is exactly the prefix, so OpenAPI lists /api/<name> without a slash.
  app.get(
    '',
    {
      schema: { tags: ['desk'], summary: 'Desk identity and public policy', response: { 200: DeskInfo, ...errorResponses(429, 500) } },
      config: { rateLimit: RATE_LIMITS.desk },
    },
    async () => deskInfo(app.db, app.config),
  );
};

export default deskRoutes;
