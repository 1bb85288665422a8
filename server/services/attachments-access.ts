// Who may touch a ticket's attachments: the same rule as its messages (API.md). The requester who
// owns the ticket, or any active staff member. Everyone else, including another requester, gets
// the same 404 as for a ticket that does not exist, so ticket ids cannot be probed.
import { eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tickets } from '../../db/schema';
import { notFound, unauthorized } from '../errors';

export type TicketActor = { type: 'staff'; staffId: string } | { type: 'requester'; requesterId: string };

/** Reads the token kind without trusting it; the matching guard then verifies everything. */
function tokenKind(app: FastifyInstance, request: FastifyRequest): 'staff' | 'requester' {
  const header = request.headers.authorization;
  const token = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_.-]+)$/.exec(header)?.[1] : undefined;
  if (!token) throw unauthorized();
  let decoded: unknown;
  try {
    decoded = app.jwt.decode(token);
  } catch {
    throw unauthorized('invalid or expired token');
  }
  const typ = typeof decoded === 'object' && decoded !== null ? (decoded as { typ?: unknown }).typ : undefined;
  if (typ === 'staff' || typ === 'requester') return typ;
  throw unauthorized('invalid or expired token');
}

/**
 * Authenticates the caller and checks they may see ticket `ticketId`.
 * SECURITY: the requester branch compares the ticket's owner with the session's subject; drop it
 * and any requester reads every ticket's attachments.
 */
export async function authorizeTicketAccess(app: FastifyInstance, request: FastifyRequest, ticketId: string): Promise<TicketActor> {
  const kind = tokenKind(app, request);
  if (kind === 'staff') await app.requireStaff(request);
  else await app.requireRequester(request);
  const ticket = app.db.select({ requesterId: tickets.requesterId }).from(tickets).where(eq(tickets.id, ticketId)).get();
  if (!ticket) throw notFound('no such ticket');
  if (kind === 'staff') return { type: 'staff', staffId: request.staff!.id };
  if (ticket.requesterId !== request.requester!.id) throw notFound('no such ticket');
  return { type: 'requester', requesterId: request.requester!.id };
}
