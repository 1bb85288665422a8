// Which page changes get their own history entry (Back works between public steps) and which
// replace it (no trail of opened tickets); and the staff queue's "changed" marker (the queue's
// order is the server's: test/server/queue/activity.test.ts).
import { describe, expect, it } from 'vitest';
import type { StaffTicket } from '../../client/src/api';
import { pushesHistory } from '../../client/src/navigate';
import { markOpened, resetSeen, seenState } from '../../client/src/views/staff/seen';

describe('pushesHistory', () => {
  it('pushes between the start page, a new request and coming back', () => {
    expect(pushesHistory({ name: 'landing' }, { name: 'new' })).toBe(true);
    expect(pushesHistory({ name: 'new' }, { name: 'return' })).toBe(true);
  });

  it('replaces for tickets, staff pages and the same page', () => {
    expect(pushesHistory({ name: 'tickets' }, { name: 'ticket', ticketId: 'a'.repeat(22) })).toBe(false);
    expect(pushesHistory({ name: 'return' }, { name: 'tickets' })).toBe(false);
    expect(pushesHistory({ name: 'landing' }, { name: 'staff-login' })).toBe(false);
    expect(pushesHistory({ name: 'new' }, { name: 'new' })).toBe(false);
  });
});

const ticket = (id: string, updatedAt: number, createdAt: number, status: StaffTicket['status'] = 'open') => ({ ticketId: id, updatedAt, createdAt, status }) as StaffTicket;

describe('staff queue marker', () => {
  it('marks a ticket whose status or activity changed since this session opened it', () => {
    resetSeen();
    const t = ticket('a', 100, 10, 'waiting_requester');
    expect(seenState(t)).toBe('unopened');
    markOpened(t);
    expect(seenState(t)).toBe('seen');
    expect(seenState({ ...t, status: 'open' })).toBe('changed');
    expect(seenState({ ...t, updatedAt: 200 })).toBe('changed');
    resetSeen();
    expect(seenState(t)).toBe('unopened');
  });
});
