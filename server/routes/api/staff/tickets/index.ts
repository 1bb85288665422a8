import { ResponseSerializationError, serializerCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { $ZodType, safeParse } from 'zod/v4/core';
import { appendAuditRow } from '../../../../plugins/app/audit';
import {
  errorResponses,
  MESSAGE_BODY_LIMIT,
  QueuePage,
  QueueQuery,
  StaffPostedMessage,
  StaffPostMessageBody,
  StaffThread,
  StaffTicket,
  TicketParams,
  TriageBody,
} from '../../../../../contract/index';
import { ready } from '../../../../../protocol/index';
import { nowSeconds } from '../../../../plugins/app/tokens';
import { RATE_LIMITS } from '../../../../rate-limits';
import { appendMessage, assertSignedByAuthor, staffThread } from '../../../../services/messages';
import { getStaffTicket, listQueue, queueCursorPosition } from '../../../../services/queue';
import { updateTriage } from '../../../../services/queue-triage';

const errors = errorResponses(400, 401, 403, 404, 409, 413, 429, 500);

/**
 * The 200 answers of these routes (queue page, ticket, thread): the contract schema parsed
 * forward, then JSON. The app's serializer (server/app.ts, fastify-type-provider-zod) runs zod's
 * encode, which takes no compiled fast path: ~1 ms of a 50-ticket page against ~0.5 ms for a
 * parse. These response schemas have no codec, transform or default, so both give the same
 * value. SECURITY: the schema stays the output filter — a property the contract does not
 * declare is dropped, a value of the wrong shape fails the request (500) instead of being sent
 * (test/server/queue/serializer.test.ts). Other statuses keep the app's serializer.
 */
export const queueSerializerCompiler: typeof serializerCompiler = (route) => {
  const { schema, method, url, httpStatus } = route;
  if (httpStatus !== '200' || !(schema instanceof $ZodType)) return serializerCompiler(route);
  return (data) => {
    const result = safeParse(schema, data);
    if (result.error) throw new ResponseSerializationError(method, url, { cause: result.error });
    return JSON.stringify(result.data);
  };
};
const bearer = [{ bearer: [] }];

/**
 * /api/staff/tickets: the queue, one ticket, triage and the staff thread. Admitted staff only
 * (autohooks.ts); every admitted member sees and works every ticket, since tickets are sealed to
 * the team, not to people.
 */
const staffTicketRoutes: FastifyPluginAsyncZod = async (app) => {
  await ready();
  app.setSerializerCompiler(queueSerializerCompiler);

  app.get(
    '',
    {
      schema: {
        tags: ['staff'],
        summary: 'The ticket queue, last activity (or newest) first, keyset-paginated',
        security: bearer,
        querystring: QueueQuery,
        response: { 200: QueuePage, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.queue },
    },
    async (request) => {
      const q = request.query;
      const viewer = request.staff!.id;
      return listQueue(app.db, {
        status: q.status,
        priority: q.priority,
        assigneeId: q.assignee === 'mine' ? viewer : q.assignee === 'unassigned' ? null : q.assignee,
        label: q.label,
        sort: q.sort,
        before: q.cursor === undefined ? undefined : queueCursorPosition(q.cursor, q.sort),
        limit: q.limit,
      });
    },
  );

  app.get(
    '/:id',
    {
      schema: { tags: ['staff'], summary: 'One ticket with its wraps', security: bearer, params: TicketParams, response: { 200: StaffTicket, ...errors } },
      config: { rateLimit: RATE_LIMITS.queue },
    },
    async (request) => getStaffTicket(app.db, request.params.id),
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags: ['staff'],
        summary: 'Triage: status, priority, assignee, label tags (audited)',
        security: bearer,
        params: TicketParams,
        body: TriageBody,
        response: { 200: StaffTicket, ...errors },
      },
      bodyLimit: 16 * 1024,
      config: { rateLimit: RATE_LIMITS.triage },
    },
    async (request) => updateTriage(app.db, request.staff!.id, request.params.id, request.body),
  );

  app.get(
    '/:id/messages',
    {
      schema: {
        tags: ['staff'],
        summary: 'The whole thread of a ticket: messages and internal notes, with the team wraps',
        security: bearer,
        params: TicketParams,
        response: { 200: StaffThread, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.threadRead },
    },
    async (request) => staffThread(app.db, request.params.id),
  );

  app.post(
    '/:id/messages',
    {
      schema: {
        tags: ['staff'],
        summary: 'Append a signed reply or internal note',
        security: bearer,
        params: TicketParams,
        body: StaffPostMessageBody,
        response: { 201: StaffPostedMessage, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.threadPost },
      bodyLimit: MESSAGE_BODY_LIMIT,
    },
    async (request, reply) => {
      const ticketId = request.params.id;
      const b = request.body;
      const staffId = request.staff!.id;
      const author = { type: 'staff' as const, staffId };
      await assertSignedByAuthor(app.db, author, { ticketId, messageId: b.messageId, kind: b.kind, envelope: b.envelope });
      const stored = await app.groupCommit((tx) =>
        appendMessage(tx, {
          ticketId,
          author,
          messageId: b.messageId,
          kind: b.kind,
          envelope: { nonce: b.envelope.nonce, ct: b.envelope.ct, sig: b.envelope.sig },
          noteWrap: b.noteWrap,
          maxMessagesPerHour: app.config.quotas.messagesPerHour,
          now: nowSeconds(),
          // Audited in the same transaction: which action on which ticket, never any content.
          onStored: (inTx) => appendAuditRow(inTx, staffId, b.kind === 'note' ? 'ticket.note' : 'ticket.reply', ticketId),
        }),
      );
      return reply.code(201).send(stored);
    },
  );
};

export default staffTicketRoutes;
