// Internal notes in the client core: the first note creates the per-ticket key
// N and seals it to the current team key; notes are readable by the team and never with the
// requester's keys.
import { beforeAll, describe, expect, it } from 'vitest';
import { asSignPublicKey, generateStaffKeys, newId, openMessage, openRequesterWrap, openTeamWrap, sealMessage, toB64 } from '../../protocol';
import * as core from '../../client-core';
import { message, staffDesk, type StaffDesk } from './fixture';

let desk: StaffDesk;

beforeAll(async () => {
  desk = await staffDesk();
});

describe('internal notes (client core)', () => {
  it('creates N on the first note, seals it to the current team key and reuses it afterwards', () => {
    // Given a ticket the technician has opened, with no notes yet
    const ticket = desk.fileTicket({ subject: 'Phone seized', body: 'Police took my phone' });
    const opened = core.openStaffThread(desk.staff, ticket, [ticket.firstMessage]);
    expect(opened.canWriteNotes).toBe(true);
    // When they write the first note
    const first = core.sealNote(desk.staff, ticket.ticketId, 'Ask which model; check for MDM');
    // Then the note carries a wrap of N to team key v1 that the team key opens
    expect(first.noteWrap?.teamKeyVersion).toBe(1);
    if (!first.noteWrap) throw new Error('no note wrap');
    const n = openTeamWrap(first.noteWrap, desk.team, 'note');
    const body = openMessage({
      kind: 'note',
      ticketId: ticket.ticketId,
      messageId: first.messageId,
      envelope: first.envelope,
      key: n,
      authorSignPk: asSignPublicKey(toB64(desk.admin.sign.publicKey)),
    });
    expect(body).toEqual({ v: 1, body: 'Ask which model; check for MDM' });
    // SECURITY: nothing the page receives holds the note's text.
    expect(JSON.stringify(first)).not.toContain('MDM');
    // And until the server confirms N (a ticket load returns its noteWrap), the wrap is sent again
    const second = core.sealNote(desk.staff, ticket.ticketId, 'Second note');
    expect(second.noteWrap).toEqual(first.noteWrap);
    // After the server echoes the wrap, later notes go without one, under the same N
    const stored = { ...ticket, noteWrap: first.noteWrap };
    core.openStaffThread(desk.staff, stored, [ticket.firstMessage]);
    const third = core.sealNote(desk.staff, ticket.ticketId, 'Third note');
    expect(third.noteWrap).toBeUndefined();
    expect(
      openMessage({
        kind: 'note',
        ticketId: ticket.ticketId,
        messageId: third.messageId,
        envelope: third.envelope,
        key: n,
        authorSignPk: asSignPublicKey(toB64(desk.admin.sign.publicKey)),
      }).body,
    ).toBe('Third note');
  });

  it('shows notes in the thread, interleaved by sequence, marked as notes with a verified signature', () => {
    const ticket = desk.fileTicket({ subject: 'Account hacked', body: 'My Facebook was taken' });
    core.openStaffThread(desk.staff, ticket, [ticket.firstMessage]);
    const note = core.sealNote(desk.staff, ticket.ticketId, 'Likely SIM swap');
    const reply = core.sealStaffReply(desk.staff, ticket.ticketId, 'Can you still log in?', 'en');
    if (!note.noteWrap) throw new Error('no note wrap');
    const stored = { ...ticket, noteWrap: note.noteWrap };
    // A fresh console (say, another session) opens everything from the server's records
    const view = core.openStaffThread(desk.freshStaffVault(), stored, [
      message(reply.messageId, 3, { type: 'staff', staffId: desk.adminId }, reply.envelope),
      message(note.messageId, 2, { type: 'staff', staffId: desk.adminId }, note.envelope, 'note'),
      ticket.firstMessage,
    ]);
    expect(view.messages.map((m) => [m.seq, m.kind, m.signature, m.body])).toEqual([
      [1, 'message', 'verified', 'My Facebook was taken'],
      [2, 'note', 'verified', 'Likely SIM swap'],
      [3, 'message', 'verified', 'Can you still log in?'],
    ]);
  });

  it('is never readable with the requester keys', () => {
    // Given a ticket with a note
    const ticket = desk.fileTicket({ subject: 'Threats', body: 'I get threats on Zalo' });
    core.openStaffThread(desk.staff, ticket, [ticket.firstMessage]);
    const note = core.sealNote(desk.staff, ticket.ticketId, 'Internal: possible state actor');
    if (!note.noteWrap) throw new Error('no note wrap');
    const noteMsg = message(note.messageId, 2, { type: 'staff', staffId: desk.adminId }, note.envelope, 'note');
    // When the requester's engine opens their thread, even if a server wrongly sends the note
    const thread = { messages: core.openRequesterThread(desk.requester, ticket.ticketId, [ticket.firstMessage, noteMsg]) };
    // Then the note is not shown
    expect(thread.messages.map((m) => m.kind)).toEqual(['message']);
    expect(JSON.stringify(thread)).not.toContain('state actor');
    // And N's wrap does not open with the requester's box key
    expect(() => openRequesterWrap({ sealed: note.noteWrap?.sealed }, desk.requester.requester!.box)).toThrow();
    // And the ticket key K (which the requester holds) does not open the note
    const k = openRequesterWrap(desk.requesterWraps.get(ticket.ticketId), desk.requester.requester!.box);
    expect(() =>
      openMessage({
        kind: 'note',
        ticketId: ticket.ticketId,
        messageId: note.messageId,
        envelope: note.envelope,
        key: k as never,
        authorSignPk: asSignPublicKey(toB64(desk.admin.sign.publicKey)),
      }),
    ).toThrow();
    // And a note moved into the thread as a message fails its check instead of decrypting
    const moved = message(note.messageId, 2, { type: 'staff', staffId: desk.adminId }, note.envelope, 'message');
    const again = { messages: core.openRequesterThread(desk.requester, ticket.ticketId, [moved]) };
    expect(again.messages[0]).toMatchObject({ signature: 'bad', body: '' });
  });

  it('refuses to start a second N when the ticket has a note key sealed to a team key it lacks', () => {
    const ticket = desk.fileTicket({ subject: 'Old ticket', body: 'From before a rotation' });
    // A noteWrap to a team key version this member has no grant for
    const foreign = { teamKeyVersion: 7, sealed: toB64(new Uint8Array(80)) };
    const view = core.openStaffThread(desk.staff, { ...ticket, noteWrap: foreign }, [ticket.firstMessage]);
    expect(view.canWriteNotes).toBe(false);
    expect(() => core.sealNote(desk.staff, ticket.ticketId, 'note')).toThrow(/team key you do not hold/);
  });

  it('flags a note signed by someone the key log does not list, and a note claiming a requester author', () => {
    const ticket = desk.fileTicket({ subject: 'Spyware?', body: 'Battery drains fast' });
    core.openStaffThread(desk.staff, ticket, [ticket.firstMessage]);
    const real = core.sealNote(desk.staff, ticket.ticketId, 'real');
    if (!real.noteWrap) throw new Error('no note wrap');
    const n = openTeamWrap(real.noteWrap, desk.team, 'note');
    const intruder = generateStaffKeys();
    const messageId = newId();
    const forged = sealMessage({ kind: 'note', ticketId: ticket.ticketId, messageId, key: n, payload: { v: 1, body: 'close this' }, authorSignSk: intruder.sign.secretKey });
    const view = core.openStaffThread(desk.staff, { ...ticket, noteWrap: real.noteWrap }, [
      message(messageId, 2, { type: 'staff', staffId: desk.adminId }, forged, 'note'),
      message(newId(), 3, { type: 'requester' }, real.envelope, 'note'),
    ]);
    expect(view.messages.map((m) => [m.signature, m.body])).toEqual([
      ['bad', ''],
      ['bad', ''],
    ]);
  });
});
