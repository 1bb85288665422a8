import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorResponses, PowChallenge, PowRequest } from '../../../../contract/index';
import { ready } from '../../../../protocol/index';
import { nowSeconds } from '../../../plugins/app/tokens';
import { RATE_LIMITS } from '../../../rate-limits';
import { issueChallenge } from '../../../services/pow';

/** POST /api/pow — a fresh stateless challenge; nothing is stored until it is spent. */
const powRoutes: FastifyPluginAsyncZod = async (app) => {
  await ready();
  app.post(
    '',
    {
      schema: {
        tags: ['requester'],
        summary: 'Fresh proof-of-work challenge at the current difficulty (MAC-signed, single use, expires in 10 minutes)',
        body: PowRequest,
        response: { 200: PowChallenge, ...errorResponses(400, 413, 429) },
      },
      config: { rateLimit: RATE_LIMITS.pow },
      bodyLimit: 1024,
    },
    async (request) => issueChallenge(app.db, app.secrets.powMacKey, request.body.purpose, app.config.powDifficulty, nowSeconds()),
  );
};

export default powRoutes;
