import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CreateLabelBody, errorResponses, LabelEntry, Labels } from '../../../../../contract/index';
import { RATE_LIMITS } from '../../../../rate-limits';
import { addLabel, listLabels } from '../../../../services/labels';

const errors = errorResponses(400, 401, 403, 409, 413, 429, 500);
const bearer = [{ bearer: [] }];

/** The encrypted label dictionary at /api/staff/labels, admitted staff only (autohooks.ts). The server sees tags and ciphertext only. */
const staffLabelRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '',
    {
      schema: { tags: ['staff'], summary: 'The encrypted label dictionary', security: bearer, response: { 200: Labels, ...errors } },
      config: { rateLimit: RATE_LIMITS.labelsRead },
    },
    async () => ({ labels: await listLabels(app.db) }),
  );

  app.post(
    '',
    {
      schema: { tags: ['staff'], summary: 'Add a label (blind tag + sealed name)', security: bearer, body: CreateLabelBody, response: { 201: LabelEntry, ...errors } },
      bodyLimit: 8 * 1024,
      config: { rateLimit: RATE_LIMITS.labelsWrite },
    },
    async (request, reply) => reply.code(201).send(await addLabel(app.db, request.staff!.id, request.body)),
  );
};

export default staffLabelRoutes;
