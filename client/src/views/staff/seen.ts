// Which tickets this staff session has opened, and what they looked like then: the queue marks
// a row whose status or last activity changed since (a requester answered, a colleague moved
// it). SECURITY: memory only, dropped on lock and "Leave quickly" (resetSeen via resetQueue);
// it records ids and times the server already has, nothing decrypted.
import type { StaffTicket } from '../../api';

type Snapshot = Pick<StaffTicket, 'status' | 'updatedAt'>;

let opened = new Map<string, Snapshot>();

export function resetSeen(): void {
  opened = new Map();
}

export function markOpened(ticket: StaffTicket): void {
  opened.set(ticket.ticketId, { status: ticket.status, updatedAt: ticket.updatedAt });
}

/** 'unopened' (not opened in this session), 'changed' (moved since it was opened) or 'seen'. */
export function seenState(ticket: StaffTicket): 'unopened' | 'changed' | 'seen' {
  const then = opened.get(ticket.ticketId);
  if (!then) return 'unopened';
  return then.status !== ticket.status || then.updatedAt !== ticket.updatedAt ? 'changed' : 'seen';
}
