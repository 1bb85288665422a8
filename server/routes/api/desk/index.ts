import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { desk } from '../../../../db/schema';
import { ErrorResponse } from '../../../errors';
import { hasAdmin } from '../../../plugins/app/desk';

export const DESK_LANGUAGES = ['en', 'vi'] as const;

const DeskInfo = z.object({
  deskId: z.string().describe('16 random bytes, base64url'),
  fingerprint: z.string().nullable().describe('BLAKE2b-256 of the genesis key-log entry; null before setup'),
  setupComplete: z.boolean(),
  policy: z.object({
    powDifficulty: z.number().int().describe('leading zero bits required'),
    maxAttachmentBytes: z.number().int(),
    maxTicketBytes: z.number().int(),
    languages: z.array(z.enum(DESK_LANGUAGES)),
  }),
});

/** GET /api/desk — what a client needs before it can pin the desk and submit anything. */
const deskRoutes: FastifyPluginAsyncZod = async (app) => {
  // '' (not '/'): the route is exactly the prefix, so OpenAPI lists /api/<name> without a slash.
  app.get(
    '',
    {
      schema: {
        tags: ['desk'],
        summary: 'Desk identity and public policy',
        response: { 200: DeskInfo, 429: ErrorResponse, 500: ErrorResponse },
      },
      config: { rateLimit: { max: 120, timeWindow: '1 minute' } },
    },
    async () => {
      const row = app.db.select().from(desk).where(eq(desk.id, 1)).get();
      if (!row) throw new Error('desk row missing');
      return {
        deskId: row.deskId,
        fingerprint: row.fingerprint,
        setupComplete: row.fingerprint !== null && hasAdmin(app.db),
        policy: {
          powDifficulty: app.config.powDifficulty,
          maxAttachmentBytes: app.config.maxAttachmentBytes,
          maxTicketBytes: app.config.maxTicketBytes,
          languages: [...DESK_LANGUAGES],
        },
      };
    },
  );
};

export default deskRoutes;
