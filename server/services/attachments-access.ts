// Who may touch a ticket's attachments: exactly the rule of its messages (API.md), built from the
// same pieces the messages routes use. The requester who owns the ticket, or staff admitted by
// the key log. Another requester gets the same 404 as for a ticket that does not exist.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireParticipant } from '../routes/api/tickets/guard';
import { admittedStaff } from './messages-authors';
import { ticketForCaller } from './tickets';

export type TicketActor = { type: 'staff'; staffId: string } | { type: 'requester'; requesterId: string };

/**
 * Authenticates the caller and checks they may see ticket `ticketId`.
 * SECURITY: ticketForCaller compares the ticket's owner with the requester session; without it
 * any requester reads every ticket's attachments. admittedStaff keeps out staff the key log does
 * not vouch for (pending invite, reset, removed).
 */
export async function authorizeTicketAccess(app: FastifyInstance, request: FastifyRequest, ticketId: string): Promise<TicketActor> {
  await requireParticipant(app)(request);
  if (request.staff) {
    const { staffId } = admittedStaff(app.db, request.staff.id);
    ticketForCaller(app.db, ticketId, { staffId });
    return { type: 'staff', staffId };
  }
  const requesterId = request.requester?.id ?? '';
  ticketForCaller(app.db, ticketId, { requesterId });
  return { type: 'requester', requesterId };
}
