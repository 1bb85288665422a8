import type { FastifyInstance } from 'fastify';

/**
 * SECURITY: attachments follow exactly the rule of a ticket's messages (API.md): the requester
 * who owns the ticket, or staff the key log vouches for — checked before the body is read.
 */
export default async function participantsOnly(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', app.requireTicketParticipant);
}
