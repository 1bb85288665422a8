// Opening a ticket in the staff console fetches it again (found by the browser suite: the
// requester's follow-up never showed because the thread opened earlier stayed cached).
import { describe, expect, it } from 'vitest';
import { state } from '../../client/src/store';
import { enterStaffTicket } from '../../client/src/views/staff/ticket';

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const OTHER = 'BBBBBBBBBBBBBBBBBBBBBB';

describe('enterStaffTicket', () => {
  it('drops the cached thread of the ticket being opened, and only that one', () => {
    state.threads.set(ID, []);
    state.threads.set(OTHER, []);
    enterStaffTicket(ID);
    expect(state.threads.has(ID)).toBe(false);
    expect(state.threads.has(OTHER)).toBe(true);
  });
});
