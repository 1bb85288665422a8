import { describe, expect, it } from 'vitest';
import {
  asSignPublicKey,
  isFirstMessage,
  newId,
  openGrant,
  openMessage,
  openRequesterWrap,
  openTeamWrap,
  sealMessage,
  teamPublicKeyOf,
  verifyKeyLog,
  type KeyLogEntry,
} from '../../../protocol/index';
import { testTables, sqlAll } from '../../helpers/app';
import { and, eq } from 'drizzle-orm';
import { bearer, seedStaff, storedKeyLogState, withDesk } from '../../helpers/desk';
import { FIRST_MESSAGE, newRequester, submitTicket } from '../../helpers/requester';

const { grants } = testTables;

interface ThreadBody {
  ticket: { ticketId: string; status: string; requesterSignPk: string; requesterWrap?: { sealed: string }; teamWrap?: { teamKeyVersion: number; sealed: string } | null };
  messages: {
    messageId: string;
    seq: number;
    kind: 'message' | 'note';
    author: { type: 'requester' } | { type: 'staff'; staffId: string };
    envelope: unknown;
    createdAt: number;
  }[];
}

const fx = withDesk({ via: 'db' });

describe('requester journey (register → submit → staff reply → requester follow-up)', () => {
  it('carries an encrypted request to staff and a signed reply back, end to end', async () => {
    // Given a set-up desk with an admitted technician, and a requester who registered with PoW and signed in
    const tech = await seedStaff(fx.app, fx.desk, 'tech');
    const requester = await newRequester(fx.t, fx.desk);

    // When the requester submits a ticket
    const { ticketId, messageId } = await submitTicket(fx.t, fx.desk, requester);

    // Then it is listed as theirs, with their wrap, status new and one message, times hour-rounded
    const mine = await fx.app.inject({ method: 'GET', url: '/api/tickets/mine', headers: bearer(requester.token) });
    expect(mine.statusCode).toBe(200);
    const [listed] = mine.json<{ tickets: { ticketId: string; status: string; createdAt: number; messageCount: number; requesterWrap: { sealed: string } }[] }>().tickets;
    expect(listed).toMatchObject({ ticketId, status: 'new', messageCount: 1 });
    expect(listed!.createdAt % 3600).toBe(0);
    expect(openRequesterWrap(listed!.requesterWrap, requester.keys.box)).toHaveLength(32);

    // When the technician opens the team wrap with the team key from their grant and reads the ticket
    const staffThread = await fx.app.inject({ method: 'GET', url: `/api/staff/tickets/${ticketId}/messages`, headers: bearer(tech.token) });
    expect(staffThread.statusCode).toBe(200);
    const st = staffThread.json<ThreadBody>();
    const grant = (
      await fx.t.db
        .select()
        .from(grants)
        .where(and(eq(grants.staffId, tech.staffId), eq(grants.teamKeyVersion, st.ticket.teamWrap!.teamKeyVersion)))
    )[0]!;
    const teamKeys = openGrant(grant.sealed, tech.keys.box, teamPublicKeyOf(await storedKeyLogState(fx.app), grant.teamKeyVersion).publicKey);
    const K = openTeamWrap(st.ticket.teamWrap, teamKeys, 'ticket');
    const first = st.messages[0]!;
    expect(first).toMatchObject({ messageId, seq: 1, kind: 'message', author: { type: 'requester' } });
    const opened = openMessage({ kind: 'message', ticketId, messageId, key: K, envelope: first.envelope, authorSignPk: asSignPublicKey(st.ticket.requesterSignPk) });
    expect(isFirstMessage(opened) && opened.subject).toBe(FIRST_MESSAGE.subject);

    // And replies, signed with their own key
    const replyId = newId();
    const reply = sealMessage({
      kind: 'message',
      ticketId,
      messageId: replyId,
      key: K,
      payload: { v: 1, body: 'Change your passwords first.' },
      authorSignSk: tech.keys.sign.secretKey,
    });
    const posted = await fx.app.inject({
      method: 'POST',
      url: `/api/staff/tickets/${ticketId}/messages`,
      headers: bearer(tech.token),
      payload: { messageId: replyId, kind: 'message', envelope: reply },
    });
    expect(posted.statusCode).toBe(201);
    expect(posted.json()).toMatchObject({ messageId: replyId, seq: 2 });

    // Then the requester sees the reply, decrypts it and verifies it against the staff key from the verified key log
    const log = await fx.app.inject({ method: 'GET', url: '/api/keylog' });
    const state = verifyKeyLog(log.json<{ entries: KeyLogEntry[] }>().entries, { pinnedFingerprint: fx.desk.fingerprint });
    const thread = await fx.app.inject({ method: 'GET', url: `/api/tickets/${ticketId}/messages`, headers: bearer(requester.token) });
    expect(thread.statusCode).toBe(200);
    const rt = thread.json<ThreadBody>();
    expect(rt.ticket.status).toBe('open');
    const Kr = openRequesterWrap(rt.ticket.requesterWrap, requester.keys.box);
    const staffMsg = rt.messages.find((m) => m.messageId === replyId)!;
    expect(staffMsg.author).toEqual({ type: 'staff', staffId: tech.staffId });
    const staffSignPk = state.staff.get(tech.staffId)!.signPk;
    const replyText = openMessage({ kind: 'message', ticketId, messageId: replyId, key: Kr, envelope: staffMsg.envelope, authorSignPk: asSignPublicKey(staffSignPk) });
    expect(replyText.body).toBe('Change your passwords first.');

    // When the requester follows up
    const followId = newId();
    const follow = sealMessage({
      kind: 'message',
      ticketId,
      messageId: followId,
      key: Kr,
      payload: { v: 1, body: 'Done. Thank you.' },
      authorSignSk: requester.keys.sign.secretKey,
    });
    const sent = await fx.app.inject({
      method: 'POST',
      url: `/api/tickets/${ticketId}/messages`,
      headers: bearer(requester.token),
      payload: { messageId: followId, envelope: follow },
    });
    expect(sent.statusCode).toBe(201);
    expect(sent.json()).not.toHaveProperty('seq');
    expect(sent.json<{ createdAt: number }>().createdAt % 3600).toBe(0);

    // Then staff see it, third in order, and it verifies against the requester's key
    const again = (await fx.app.inject({ method: 'GET', url: `/api/staff/tickets/${ticketId}/messages`, headers: bearer(tech.token) })).json<ThreadBody>();
    expect(again.messages.map((m) => m.messageId)).toEqual([messageId, replyId, followId]);
    const last = openMessage({
      kind: 'message',
      ticketId,
      messageId: followId,
      key: K,
      envelope: again.messages[2]!.envelope,
      authorSignPk: asSignPublicKey(again.ticket.requesterSignPk),
    });
    expect(last.body).toBe('Done. Thank you.');
    const mineAfter = (await fx.app.inject({ method: 'GET', url: '/api/tickets/mine', headers: bearer(requester.token) })).json<{ tickets: { messageCount: number }[] }>();
    expect(mineAfter.tickets[0]!.messageCount).toBe(3);

    // And the staff post was audited by action and ticket id, without content
    const audited = await sqlAll(fx.t, 'select action, target, detail from audit where actor_staff_id = ?', tech.staffId);
    expect(audited).toEqual([{ action: 'ticket.reply', target: ticketId, detail: '{}' }]);
  });
});
