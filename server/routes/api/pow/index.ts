import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ready } from '../../../../protocol/index';
import { ErrorResponse } from '../../../errors';
import { nowSeconds } from '../../../plugins/app/tokens';
import { issueChallenge } from '../../../services/pow';
import { PowChallenge, PowRequest } from './schemas';

/**
 * Keyed by the (HMAC'd) address, so behind an onion service this is one bucket for everyone:
 * a flood guard, not the spam control (that is the work itself). Issuing costs one hash.
 */
export const POW_RATE_LIMIT = { max: 600, timeWindow: '1 minute' } as const;

/** POST /api/pow — a fresh stateless challenge; nothing is stored until it is spent. */
const powRoutes: FastifyPluginAsyncZod = async (app) => {
  await ready();
  app.post(
    '',
    {
      schema: {
        tags: ['requester'],
        summary: 'Fresh proof-of-work challenge (MAC-signed, single use, expires in 10 minutes)',
        body: PowRequest,
        response: { 200: PowChallenge, 400: ErrorResponse, 429: ErrorResponse },
      },
      config: { rateLimit: POW_RATE_LIMIT },
      bodyLimit: 1024,
    },
    async (request) => issueChallenge(app.secrets.powMacKey, request.body.purpose, app.config.powDifficulty, nowSeconds()),
  );
};

export default powRoutes;
