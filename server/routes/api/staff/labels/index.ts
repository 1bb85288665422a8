import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AEAD_NONCE_BYTES, b64OfLength } from '../../../../../protocol';
import { ErrorResponse } from '../../../../errors';
import { addLabel, listLabels } from '../../../../services/labels';
import { staffSessionKey } from '../../../../services/queue-rate-key';
import { requireAdmitted } from '../../../../services/staff-admission';
import { LabelTag } from '../tickets/schemas';

// A normalised name is at most 100 characters (≤ 400 UTF-8 bytes) plus the 16-byte tag.
const MAX_SEALED_NAME_BYTES = 512;

const SealedName = z
  .strictObject({ v: z.literal(1), nonce: b64OfLength(AEAD_NONCE_BYTES), ct: z.string().regex(/^[A-Za-z0-9_-]+$/).max(Math.ceil((MAX_SEALED_NAME_BYTES * 4) / 3)) })
  .describe('the label name sealed under the label key L, AD "sealdesk/v1/label|" + tag');
const LabelEntry = z.object({ tag: z.string(), sealedName: z.object({ v: z.literal(1), nonce: z.string(), ct: z.string() }), createdAt: z.number().int() });
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse, 500: ErrorResponse };

/** The encrypted label dictionary at /api/staff/labels (registered inside the /api/staff plugin). The server sees tags and ciphertext only. */
const staffLabelRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/labels',
    {
      schema: { tags: ['staff'], summary: 'The encrypted label dictionary', response: { 200: z.object({ labels: z.array(LabelEntry) }), ...errors } },
      // Authentication before body parsing and validation: strangers learn nothing about shapes.
      onRequest: requireAdmitted,
      config: { rateLimit: { max: 300, timeWindow: '1 minute', keyGenerator: staffSessionKey } },
    },
    async () => ({ labels: listLabels(app.db) }),
  );

  app.post(
    '/labels',
    {
      schema: {
        tags: ['staff'],
        summary: 'Add a label (blind tag + sealed name)',
        body: z.strictObject({ tag: LabelTag, sealedName: SealedName }),
        response: { 201: LabelEntry, ...errors },
      },
      // Authentication before body parsing and validation: strangers learn nothing about shapes.
      onRequest: requireAdmitted,
      bodyLimit: 8 * 1024,
      config: { rateLimit: { max: 60, timeWindow: '1 minute', keyGenerator: staffSessionKey } },
    },
    async (request, reply) => reply.code(201).send(addLabel(app.db, request.staff!.id, request.body)),
  );
};

export default staffLabelRoutes;
