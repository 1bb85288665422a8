import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { asSignPublicKey, isCryptoError, ready, verifyMessageSignature } from '../../../../protocol/index';
import { requesters } from '../../../../db/schema';
import { eq, sql } from 'drizzle-orm';
import { ErrorResponse, badRequest, unauthorized } from '../../../errors';
import { nowSeconds } from '../../../plugins/app/tokens';
import { admittedStaff } from '../../../services/messages-authors';
import { appendMessage, listThread, newestTeamWrap, requesterWrapOf, type Author } from '../../../services/messages';
import { checkPow } from '../../../services/pow';
import { perSubject } from '../../../services/quotas-rate-limit';
import { createTicket, listRequesterTickets, requesterSignPkOf, ticketForCaller } from '../../../services/tickets';
import { requireParticipant } from './guard';
import { CreateTicketBody, CreatedTicket, MyTickets, PostMessageBody, PostedMessage, Thread, TicketParams } from './schemas';

/** A first message or reply: a 100 000-character body padded, encrypted and base64url'd fits well inside. */
export const MESSAGE_BODY_LIMIT = 256 * 1024;

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse, 429: ErrorResponse };

function assertSigned(kind: 'message' | 'note', ticketId: string, messageId: string, envelope: unknown, signPk: string): void {
  try {
    verifyMessageSignature({ kind, ticketId, messageId, envelope, authorSignPk: asSignPublicKey(signPk) });
  } catch (err) {
    // SECURITY: refuse at the door what every client would show as forged (SPEC §5).
    if (isCryptoError(err)) throw badRequest('bad_signature', "the message signature does not verify against its author's key");
    throw err;
  }
}

const ticketRoutes: FastifyPluginAsyncZod = async (app) => {
  await ready();
  const participant = requireParticipant(app);
  const requesterSignPk = app.db.select({ signPk: requesters.signPk }).from(requesters).where(eq(requesters.id, sql.placeholder('id'))).prepare();

  // POST /api/tickets — requester + PoW 'ticket': ticket, wraps and first message in one transaction.
  app.post(
    '',
    {
      schema: { tags: ['requester'], summary: 'Create a ticket with its first message and key wraps', body: CreateTicketBody, response: { 201: CreatedTicket, ...errors } },
      preHandler: app.requireRequester,
      // Failed attempts count too; each success also costs a PoW and is capped by the open-ticket quota.
      config: { rateLimit: perSubject(30, '1 minute') },
      bodyLimit: MESSAGE_BODY_LIMIT,
    },
    async (request, reply) => {
      const requesterId = request.requester?.id;
      if (!requesterId) throw unauthorized();
      const now = nowSeconds();
      const b = request.body;
      // Cheapest refusal first: an unpaid request never reaches the signature check or the database.
      const pow = checkPow(app.secrets.powMacKey, b.pow, 'ticket', now);
      const signPk = requesterSignPk.get({ id: requesterId })?.signPk;
      if (!signPk) throw unauthorized('session is not valid');
      assertSigned('message', b.ticketId, b.messageId, b.message, signPk);
      const ticket = {
        requesterId,
        ticketId: b.ticketId,
        messageId: b.messageId,
        message: { nonce: b.message.nonce, ct: b.message.ct, sig: b.message.sig },
        teamWrap: b.teamWrap,
        requesterWrap: b.requesterWrap,
        pow,
        maxOpenTickets: app.config.quotas.openTicketsPerRequester,
        now,
      };
      // Shares its durable COMMIT with the other submissions of this event-loop turn.
      const created = await app.groupCommit(() => createTicket(app.db, ticket));
      return reply.code(201).send(created);
    },
  );

  // GET /api/tickets/mine — the requester's own tickets.
  app.get(
    '/mine',
    {
      schema: { tags: ['requester'], summary: "The requester's own tickets", response: { 200: MyTickets, 401: ErrorResponse, 429: ErrorResponse } },
      preHandler: app.requireRequester,
      config: { rateLimit: perSubject(60, '1 minute') },
    },
    async (request) => ({ tickets: listRequesterTickets(app.db, request.requester?.id ?? '') }),
  );

  // GET /api/tickets/:id/messages — requester (own ticket, never notes) or admitted staff (everything).
  app.get(
    '/:id/messages',
    {
      schema: { tags: ['requester', 'staff'], summary: 'The thread of a ticket', params: TicketParams, response: { 200: Thread, ...errors } },
      preHandler: participant,
      config: { rateLimit: perSubject(120, '1 minute') },
    },
    async (request) => {
      const ticketId = request.params.id;
      if (request.staff) {
        admittedStaff(app.db, request.staff.id);
        const ticket = ticketForCaller(app.db, ticketId, { staffId: request.staff.id });
        return {
          ticket: {
            ticketId,
            status: ticket.status,
            requesterSignPk: requesterSignPkOf(app.db, ticket.requesterId),
            teamWrap: newestTeamWrap(app.db, ticketId, 'ticket'),
            noteWrap: newestTeamWrap(app.db, ticketId, 'note'),
          },
          messages: listThread(app.db, ticketId, 'staff'),
        };
      }
      const requesterId = request.requester?.id ?? '';
      const ticket = ticketForCaller(app.db, ticketId, { requesterId });
      const requesterWrap = requesterWrapOf(app.db, ticketId);
      return {
        ticket: {
          ticketId,
          status: ticket.status,
          requesterSignPk: requesterSignPkOf(app.db, requesterId),
          ...(requesterWrap ? { requesterWrap } : {}),
        },
        messages: listThread(app.db, ticketId, 'requester'),
      };
    },
  );

  // POST /api/tickets/:id/messages — a signed reply (anyone on the ticket) or note (staff only).
  app.post(
    '/:id/messages',
    {
      schema: { tags: ['requester', 'staff'], summary: 'Append a signed message or (staff) note', params: TicketParams, body: PostMessageBody, response: { 201: PostedMessage, ...errors } },
      preHandler: participant,
      config: { rateLimit: perSubject(30, '1 minute') },
      bodyLimit: MESSAGE_BODY_LIMIT,
    },
    async (request, reply) => {
      const ticketId = request.params.id;
      const b = request.body;
      let author: Author;
      let signPk: string;
      if (request.staff) {
        const admitted = admittedStaff(app.db, request.staff.id);
        ticketForCaller(app.db, ticketId, { staffId: admitted.staffId });
        author = { type: 'staff', staffId: admitted.staffId };
        signPk = admitted.signPk;
      } else {
        const requesterId = request.requester?.id ?? '';
        // Ownership first: someone else's ticket is 404 whatever the body says.
        const ticket = ticketForCaller(app.db, ticketId, { requesterId });
        if (b.kind !== 'message' || b.noteWrap !== undefined) {
          throw badRequest('validation_failed', "requesters can only post kind 'message', without noteWrap");
        }
        author = { type: 'requester', requesterId };
        signPk = requesterSignPkOf(app.db, ticket.requesterId);
      }
      if (b.kind === 'message' && b.noteWrap !== undefined) throw badRequest('validation_failed', 'noteWrap belongs only on a note');
      assertSigned(b.kind, ticketId, b.messageId, b.envelope, signPk);
      const staffId = author.type === 'staff' ? author.staffId : null;
      const message = {
        ticketId,
        author,
        messageId: b.messageId,
        kind: b.kind,
        envelope: { nonce: b.envelope.nonce, ct: b.envelope.ct, sig: b.envelope.sig },
        noteWrap: b.noteWrap,
        maxMessagesPerHour: app.config.quotas.messagesPerHour,
        now: nowSeconds(),
        // Audited in the same transaction: which action on which ticket, never any content.
        onStored: staffId ? () => app.appendAudit(staffId, b.kind === 'note' ? 'ticket.note' : 'ticket.reply', ticketId) : undefined,
      };
      const stored = await app.groupCommit(() => appendMessage(app.db, message));
      return reply
        .code(201)
        .send(author.type === 'staff' ? stored : { messageId: stored.messageId, createdAt: stored.createdAt });
    },
  );

  // Attachments (/:id/attachments…) live in their own folder and scope (raw octet-stream parser).
  await app.register(import('./attachments/index'));
};

export default ticketRoutes;
