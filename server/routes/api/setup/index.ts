import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ready } from '../../../../protocol/index';
import { ErrorResponse } from '../../../errors';
import { completeSetup } from '../../../services/staff-setup';
import { enrolmentFields, keyLogEntryWire, sealedGrantSchema, usernameSchema } from '../../../services/staff-schemas';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse, 429: ErrorResponse } as const;

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
        body: z.strictObject({
          token: z.string().min(1).max(128),
          username: usernameSchema,
          ...enrolmentFields,
          genesis: keyLogEntryWire,
          teamKey: keyLogEntryWire,
          grant: sealedGrantSchema.describe('team key v1 secret sealed to the admin box key'),
        }),
        response: { 201: z.object({ staffId: z.string(), deskId: z.string(), fingerprint: z.string() }), ...errors },
      },
      bodyLimit: 32 * 1024,
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    },
    async (request, reply) => reply.code(201).send(completeSetup(app.db, request.body)),
  );
};

export default setupRoutes;
