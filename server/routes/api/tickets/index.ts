import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  CreatedTicket,
  CreateTicketBody,
  errorResponses,
  MESSAGE_BODY_LIMIT,
  MyTickets,
  RequesterPostedMessage,
  RequesterPostMessageBody,
  RequesterThread,
  TicketParams,
} from '../../../../contract/index';
import { ready } from '../../../../protocol/index';
import { nowSeconds } from '../../../plugins/app/tokens';
import { RATE_LIMITS } from '../../../rate-limits';
import { appendMessage, assertSignedByAuthor, requesterThread } from '../../../services/messages';
import { checkPow } from '../../../services/pow';
import { listRequesterTickets } from '../../../services/tickets';

const errors = errorResponses(400, 401, 403, 404, 409, 413, 429);

/**
 * /api/tickets: the requester's side. Every route here is a requester's (autohooks.ts); the
 * `/:id` routes also need the ticket to be theirs (requireOwnTicket). Staff read and write the
 * thread under /api/staff/tickets/:id/messages.
 */
const ticketRoutes: FastifyPluginAsyncZod = async (app) => {
  await ready();

  // Ticket, wraps and first message in one transaction, paid for with a PoW 'ticket' (the
  // requester's first ticket was paid for by their registration: services/pow.ts).
  app.post(
    '',
    {
      schema: {
        tags: ['requester'],
        summary: 'Create a ticket with its first message and key wraps',
        security: [{ bearer: [] }],
        body: CreateTicketBody,
        response: { 201: CreatedTicket, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.createTicket },
      bodyLimit: MESSAGE_BODY_LIMIT,
    },
    async (request, reply) => {
      const requesterId = request.requester!.id;
      const now = nowSeconds();
      const b = request.body;
      // Cheapest refusal first: an unpaid request never reaches the signature check or the database.
      const pow = b.pow ? checkPow(app.secrets.powMacKey, b.pow, 'ticket', now) : null;
      const ticket = {
        requesterId,
        ticketId: b.ticketId,
        messageId: b.messageId,
        message: { nonce: b.message.nonce, ct: b.message.ct, sig: b.message.sig },
        envelope: b.message,
        teamWrap: b.teamWrap,
        requesterWrap: b.requesterWrap,
        pow,
        maxOpenTickets: app.config.quotas.openTicketsPerRequester,
        now,
      };
      // The signing key, the signature and the write, as one unit: on SQLite in the writer thread
      // (off the event loop, sharing a durable COMMIT with the submissions that reach it
      // together), elsewhere inline with the signature on the verify pool (services/tickets.ts).
      const created = await app.write('submitTicket', ticket);
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/mine',
    {
      schema: { tags: ['requester'], summary: "The requester's own tickets", security: [{ bearer: [] }], response: { 200: MyTickets, ...errorResponses(401, 429) } },
      config: { rateLimit: RATE_LIMITS.myTickets },
    },
    async (request) => ({ tickets: await listRequesterTickets(app.db, request.requester!.id) }),
  );

  app.get(
    '/:id/messages',
    {
      schema: {
        tags: ['requester'],
        summary: 'The thread of an own ticket (never notes)',
        security: [{ bearer: [] }],
        params: TicketParams,
        response: { 200: RequesterThread, ...errors },
      },
      onRequest: app.requireOwnTicket,
      config: { rateLimit: RATE_LIMITS.threadRead },
    },
    async (request) => requesterThread(app.db, request.params.id, request.requester!.id),
  );

  app.post(
    '/:id/messages',
    {
      schema: {
        tags: ['requester'],
        summary: 'Append a signed reply to an own ticket',
        security: [{ bearer: [] }],
        params: TicketParams,
        body: RequesterPostMessageBody,
        response: { 201: RequesterPostedMessage, ...errors },
      },
      onRequest: app.requireOwnTicket,
      config: { rateLimit: RATE_LIMITS.threadPost },
      bodyLimit: MESSAGE_BODY_LIMIT,
    },
    async (request, reply) => {
      const ticketId = request.params.id;
      const { messageId, envelope } = request.body;
      const author = { type: 'requester' as const, requesterId: request.requester!.id };
      await assertSignedByAuthor(app.db, author, { ticketId, messageId, kind: 'message', envelope });
      const stored = await app.groupCommit((tx) =>
        appendMessage(tx, {
          ticketId,
          author,
          messageId,
          kind: 'message',
          envelope: { nonce: envelope.nonce, ct: envelope.ct, sig: envelope.sig },
          maxMessagesPerHour: app.config.quotas.messagesPerHour,
          now: nowSeconds(),
        }),
      );
      // SECURITY: no seq for a requester: it counts notes, and would betray that they exist.
      return reply.code(201).send({ messageId: stored.messageId, createdAt: stored.createdAt });
    },
  );
};

export default ticketRoutes;
