// Issue 12: the staff queue says exactly whose turn it is. awaitingStaff / requesterReplied come
// from the author type and order of thread messages (notes aside), the same for the whole team.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, newNoteKey, sealMessage, wrapKeyForTeam, type TicketKey } from '../../../protocol/index';
import type { TestApp } from '../../helpers/app';
import { bearer, seedDesk, seedStaff, type Desk, type SignedInStaff } from '../../helpers/desk';
import { buildJourneyApp, newRequester, submitTicket } from '../../helpers/requester';

let t: TestApp;
let desk: Desk;
let tech: SignedInStaff;
beforeAll(async () => {
  t = await buildJourneyApp();
  desk = await seedDesk(t.app);
  tech = await seedStaff(t.app, desk, 'tom');
});
afterAll(async () => t.close());

interface Row {
  ticketId: string;
  awaitingStaff: boolean;
  requesterReplied: boolean;
}

async function row(ticketId: string): Promise<Pick<Row, 'awaitingStaff' | 'requesterReplied'>> {
  const res = await t.app.inject({ method: 'GET', url: '/api/staff/tickets?limit=100', headers: bearer(tech.token) });
  expect(res.statusCode).toBe(200);
  const found = res.json<{ tickets: Row[] }>().tickets.find((r) => r.ticketId === ticketId)!;
  return { awaitingStaff: found.awaitingStaff, requesterReplied: found.requesterReplied };
}

function sealed(ticketId: string, key: TicketKey, signSk: Parameters<typeof sealMessage>[0]['authorSignSk'], body: string) {
  const messageId = newId();
  return { messageId, envelope: sealMessage({ kind: 'message', ticketId, messageId, key, payload: { v: 1, body }, authorSignSk: signSk }) };
}

describe('queue markers', () => {
  it('new → awaiting staff; staff reply → not; a note changes nothing; requester follow-up → requester replied', async () => {
    const requester = await newRequester(t, desk);
    const { ticketId, ticketKey } = await submitTicket(t, desk, requester);
    // A brand-new request is waiting for the team, but nobody has replied to anyone yet
    expect(await row(ticketId)).toEqual({ awaitingStaff: true, requesterReplied: false });

    const staffReply = await t.app.inject({
      method: 'POST',
      url: `/api/staff/tickets/${ticketId}/messages`,
      headers: bearer(tech.token),
      payload: { kind: 'message', ...sealed(ticketId, ticketKey, tech.keys.sign.secretKey, 'Change your passwords.') },
    });
    expect(staffReply.statusCode).toBe(201);
    expect(await row(ticketId)).toEqual({ awaitingStaff: false, requesterReplied: false });

    // An internal note is the team talking to itself: it is nobody's answer
    const noteId = newId();
    const noteKey = newNoteKey();
    const note = await t.app.inject({
      method: 'POST',
      url: `/api/staff/tickets/${ticketId}/messages`,
      headers: bearer(tech.token),
      payload: {
        messageId: noteId,
        kind: 'note',
        envelope: sealMessage({ kind: 'note', ticketId, messageId: noteId, key: noteKey, payload: { v: 1, body: 'check the logs' }, authorSignSk: tech.keys.sign.secretKey }),
        noteWrap: wrapKeyForTeam(noteKey, { version: desk.teamKeyVersion, publicKey: desk.teamKeys.get(desk.teamKeyVersion)!.publicKey }),
      },
    });
    expect(note.statusCode).toBe(201);
    expect(await row(ticketId)).toEqual({ awaitingStaff: false, requesterReplied: false });

    const followUp = await t.app.inject({
      method: 'POST',
      url: `/api/tickets/${ticketId}/messages`,
      headers: bearer(requester.token),
      payload: sealed(ticketId, ticketKey, requester.keys.sign.secretKey, 'Done. What next?'),
    });
    expect(followUp.statusCode).toBe(201);
    expect(await row(ticketId)).toEqual({ awaitingStaff: true, requesterReplied: true });

    // The single-ticket route carries the same markers
    const one = await t.app.inject({ method: 'GET', url: `/api/staff/tickets/${ticketId}`, headers: bearer(tech.token) });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ awaitingStaff: true, requesterReplied: true });
  });
});
