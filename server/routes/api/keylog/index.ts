import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { staff } from '../../../../db/schema';
import { ready } from '../../../../protocol/index';
import { ErrorResponse } from '../../../errors';
import { appendKeyLogEntry, listKeyLogEntries } from '../../../services/keylog';
import { keyLogEntryWire } from '../../../services/staff-schemas';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse, 429: ErrorResponse } as const;

/** /api/keylog: read the desk's root of trust (anyone), append a signed entry (admin). SPEC §6. */
const keylogRoutes: FastifyPluginAsyncZod = async (app) => {
  await ready();

  app.get(
    '',
    {
      schema: {
        tags: ['keylog'],
        summary: 'Key log entries with seq > after (all when absent)',
        querystring: z.strictObject({ after: z.coerce.number().int().min(-1).max(2 ** 31).optional() }),
        response: { 200: z.object({ entries: z.array(keyLogEntryWire) }), ...errors },
      },
      config: { rateLimit: { max: 120, timeWindow: '1 minute' } },
    },
    async (request) => ({ entries: listKeyLogEntries(app.db, request.query.after ?? -1) }),
  );

  app.post(
    '',
    {
      schema: {
        tags: ['keylog'],
        summary: 'Append one entry, signed by the calling admin',
        security: [{ bearer: [] }],
        body: z.strictObject({ entry: keyLogEntryWire }),
        response: { 201: z.object({ seq: z.number().int(), hash: z.string() }), ...errors },
      },
      onRequest: app.requireAdmin,
      bodyLimit: 16 * 1024,
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const appended = appendKeyLogEntry(app.db, request.staff!.id, request.body.entry, (id) =>
        app.db.select({ username: staff.username, role: staff.role, boxPk: staff.boxPk, signPk: staff.signPk, status: staff.status }).from(staff).where(eq(staff.id, id)).get(),
      );
      return reply.code(201).send(appended);
    },
  );
};

export default keylogRoutes;
