import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppendedKeyLogEntry, AppendKeyLogBody, errorResponses, KeyLogEntries, KeyLogQuery } from '../../../../contract/index';
import { ready } from '../../../../protocol/index';
import { RATE_LIMITS } from '../../../rate-limits';
import { appendKeyLogEntry, listKeyLogEntries } from '../../../services/keylog';

/** /api/keylog: read the desk's root of trust (anyone), append a signed entry (admin). SPEC §6. */
const keylogRoutes: FastifyPluginAsyncZod = async (app) => {
  await ready();

  app.get(
    '',
    {
      schema: {
        tags: ['keylog'],
        summary: 'Key log entries with seq > after (all when absent)',
        querystring: KeyLogQuery,
        response: { 200: KeyLogEntries, ...errorResponses(400, 429) },
      },
      config: { rateLimit: RATE_LIMITS.keylogRead },
    },
    async (request) => ({ entries: await listKeyLogEntries(app.db, request.query.after ?? -1) }),
  );

  app.post(
    '',
    {
      schema: {
        tags: ['keylog'],
        summary: 'Append one entry, signed by the calling admin',
        security: [{ bearer: [] }],
        body: AppendKeyLogBody,
        response: { 201: AppendedKeyLogEntry, ...errorResponses(400, 401, 403, 409, 413, 429) },
      },
      onRequest: app.requireAdmin,
      bodyLimit: 16 * 1024,
      config: { rateLimit: RATE_LIMITS.keylogAppend },
    },
    async (request, reply) => reply.code(201).send(await appendKeyLogEntry(app.db, request.staff!.id, request.body.entry)),
  );
};

export default keylogRoutes;
