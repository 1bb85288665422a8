import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorResponses, SetupBody, SetupDone } from '../../../../contract/index';
import { ready } from '../../../../protocol/index';
import { RATE_LIMITS } from '../../../rate-limits';
import { completeSetup } from '../../../services/staff-setup';
import { checkStaffKdf } from '../../../services/staff-kdf';

/**
 * POST /api/setup: the one-time setup token (printed at first start, or minted by the `setup`
 * CLI) creates the first admin with genesis, team key v1 and the admin's grant. SPEC §4, §9.
 */
const setupRoutes: FastifyPluginAsyncZod = async (app) => {
  await ready();
  app.post(
    '',
    {
      schema: {
        tags: ['desk'],
        summary: 'Create the first admin, the genesis entry and team key v1 (once)',
        body: SetupBody,
        response: { 201: SetupDone, ...errorResponses(400, 401, 409, 413, 429) },
      },
      bodyLimit: 32 * 1024,
      config: { rateLimit: RATE_LIMITS.setup },
    },
    async (request, reply) => {
      checkStaffKdf(request.body.kdf, app.staffKdfFloor);
      return reply.code(201).send(await completeSetup(app.db, request.body, app.authHashKdf));
    },
  );
};

export default setupRoutes;
