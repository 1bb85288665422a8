import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { b64OfLength, idSchema, KEY_BYTES, SEALED_BOX_OVERHEAD } from '../../../../../protocol/index';
import { ErrorResponse } from '../../../../errors';
import {
  applyRewraps,
  DEFAULT_PENDING_LIMIT,
  MAX_PENDING_LIMIT,
  MAX_REWRAP_BATCH,
  rotationStatus,
  WRAP_KEY_KINDS,
} from '../../../../services/rotation';

const version = z.number().int().min(1).max(1_000_000);
const sealedKey = b64OfLength(KEY_BYTES + SEALED_BOX_OVERHEAD).describe('crypto_box_seal of a 32-byte key, base64url');

const PendingWrap = z.object({ ticketId: idSchema, keyKind: z.enum(WRAP_KEY_KINDS), teamKeyVersion: version, sealed: z.string() });

const RotationStatus = z.object({
  currentVersion: version.nullable(),
  previousVersions: z.array(z.object({ version, wraps: z.number().int(), retired: z.boolean() })),
  pending: z.object({ tickets: z.number().int(), notes: z.number().int() }),
  batch: z.array(PendingWrap),
  nextCursor: z.string().nullable(),
  staffWithoutGrant: z.array(z.object({ staffId: z.string(), username: z.string(), boxPk: z.string() })),
});

const RewrapBody = z.strictObject({
  wraps: z
    .array(z.strictObject({ ticketId: idSchema, keyKind: z.enum(WRAP_KEY_KINDS), teamKeyVersion: version, sealed: sealedKey }))
    .min(1)
    .max(MAX_REWRAP_BATCH),
});

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse } as const;

/**
 * SPEC §7 rotation steps, admin only: GET /rotation (progress and the next batch of wraps to
 * re-seal) and POST /rewrap (store a batch). Mounted inside the admin plugin (/api/admin).
 */
const rotationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/rotation',
    {
      schema: {
        tags: ['admin'],
        summary: 'Rotation progress and the next batch of wraps still sealed to an older team key',
        security: [{ bearer: [] }],
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(MAX_PENDING_LIMIT).default(DEFAULT_PENDING_LIMIT),
          cursor: z.string().max(64).optional(),
        }),
        response: { 200: RotationStatus, ...errors },
      },
      preHandler: app.requireAdmin,
      config: { rateLimit: { max: 600, timeWindow: '1 minute' } },
    },
    async (request) => rotationStatus(app.sqlite, { limit: request.query.limit, cursor: request.query.cursor }),
  );

  app.post(
    '/rewrap',
    {
      schema: {
        tags: ['admin'],
        summary: `Store up to ${MAX_REWRAP_BATCH} re-sealed ticket/note key wraps for the current team key (all or nothing)`,
        security: [{ bearer: [] }],
        body: RewrapBody,
        response: { 200: z.object({ written: z.number().int() }), 404: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse, ...errors },
      },
      preHandler: app.requireAdmin,
      config: { rateLimit: { max: 600, timeWindow: '1 minute' } },
    },
    async (request) => {
      const result = applyRewraps(app.sqlite, request.body.wraps);
      // One audit row per batch, not per wrap: the count is what an auditor needs.
      app.appendAudit(request.staff!.id, 'rotation.rewrap', null, {
        written: result.written,
        teamKeyVersion: request.body.wraps[0]!.teamKeyVersion,
      });
      return result;
    },
  );
};

export default rotationRoutes;
