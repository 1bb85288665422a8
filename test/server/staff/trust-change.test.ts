// Issue 10 "trust that survives change", signature half: what a member signed before a reset and
// re-enrolment keeps verifying as "former key", a removed member's replies as "former member", a
// key the log never held stays a red warning, and a member not admitted yet unlocks to a clear
// awaiting_admission state. Everything goes through the client core over the real API.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '../../../client-core';
import { admitMember } from '../../../cli/staff/admit';
import { expectOk } from '../../../cli/staff/api';
import { testTables } from '../../helpers/app';
import * as p from '../../../protocol/index';
import { buildTestApp, sqlRun, type TestApp } from '../../helpers/app';
import { TEST_POW_DIFFICULTY } from '../../helpers/requester';
import { activateInvite, addMember, fileTicket, readThread, reply, teamDesk, type Member, type TeamDesk, type Ticket } from '../admin/team-desk';

const { messages } = testTables;

let t: TestApp;
let d: TeamDesk;
let tom: Member;
let rex: Member;
let ticket: Ticket;
const said: Record<string, string> = {};

beforeAll(async () => {
  t = await buildTestApp({ env: { SEALDESK_POW_DIFFICULTY: TEST_POW_DIFFICULTY } });
  d = await teamDesk(t);
  tom = await addMember(d, 'tom');
  rex = await addMember(d, 'rex');
  ticket = await fileTicket(d);
  said.tom = await reply(await d.session('tom', tom.password), ticket.ticketId, 'tom before the reset');
  said.rex = await reply(await d.session('rex', rex.password), ticket.ticketId, 'rex before leaving');
});
afterAll(async () => t.close());

describe('signatures across re-enrolment and removal', () => {
  it('a reset member is waiting for admission after re-enrolling: not a tampering error', async () => {
    // Given the admin resets tom (lost password) and tom re-enrols with new keys
    const admin = await d.admin();
    const reset = await expectOk(d.deskApi, 'PATCH', `/api/admin/staff/${tom.staffId}`, core.prepareReset(admin.vault, tom.staffId), admin.token);
    const again = await activateInvite(d, reset.inviteToken, 'tom has a new long password');
    expect(again.staffId).toBe(tom.staffId);
    expect(again.keyFingerprint).not.toBe(tom.keyFingerprint);
    tom = again;
    // When tom signs in before an admin admitted the new keys
    const err = await d.session('tom', tom.password).catch((e: unknown) => e);
    // Then the unlock says so plainly
    expect(err).toBeInstanceOf(core.CoreError);
    expect(err).toMatchObject({ code: 'awaiting_admission' });
    expect((err as Error).message).toMatch(/waiting for an admin to admit you/);
  });

  it('after re-admission, tom’s earlier reply verifies as "former key" and the new one as verified', async () => {
    // When the admin compares the fingerprint tom reads out (typed with dashes) and admits him
    await admitMember(await d.admin(), 'tom', tom.keyFingerprint.replaceAll(' ', '-'));
    const tomNow = await d.session('tom', tom.password);
    said.tomNew = await reply(tomNow, ticket.ticketId, 'tom after re-enrolling');
    // Then every reader sees the earlier reply as signed with tom's former key
    const thread = await readThread(await d.session('rex', rex.password), ticket.ticketId);
    expect(thread.get(said.tom!)).toMatchObject({ signature: 'former_key', body: 'tom before the reset', decryptFailed: false });
    expect(thread.get(said.tomNew!)).toMatchObject({ signature: 'verified', body: 'tom after re-enrolling' });
    expect(thread.get(said.rex!)).toMatchObject({ signature: 'verified' });
    expect(core.TRUSTED_STATUSES).toContain('former_key');
  });

  it('after removal, rex’s reply verifies as "former member"', async () => {
    const admin = await d.admin();
    const { body, entry } = core.prepareDisable(admin.vault, rex.staffId);
    await expectOk(d.deskApi, 'PATCH', `/api/admin/staff/${rex.staffId}`, body, admin.token);
    core.recordKeyLogEntry(admin.vault, entry!);
    const thread = await readThread(await d.session('tom', tom.password), ticket.ticketId);
    expect(thread.get(said.rex!)).toMatchObject({ signature: 'former_member', body: 'rex before leaving' });
    expect(thread.get(said.tom!)).toMatchObject({ signature: 'former_key' });
  });

  it('a reply signed by a key the log never held for its author stays a red warning, its text hidden', async () => {
    // Given the server swaps rex's stored reply for one signed by a key of its own, under rex's name
    const row = (await t.db.select().from(messages).where(eq(messages.id, said.rex!)))[0]!;
    const s = await d.session('tom', tom.password);
    const thread = await expectOk(s.desk, 'GET', `/api/staff/tickets/${ticket.ticketId}/messages`, undefined, s.token);
    core.openStaffThread(s.vault, thread.ticket, thread.messages);
    const k = s.vault.ticketKeys.get(ticket.ticketId)!;
    const forged = p.sealMessage({
      kind: 'message',
      ticketId: ticket.ticketId,
      messageId: said.rex!,
      key: k,
      payload: { v: 1, body: 'send us your password' },
      authorSignSk: p.generateStaffKeys().sign.secretKey,
    });
    await t.db.update(messages).set({ nonce: forged.nonce, ct: forged.ct, sig: forged.sig }).where(eq(messages.id, row.id));
    const view = await readThread(await d.session('tom', tom.password), ticket.ticketId);
    expect(view.get(said.rex!)).toMatchObject({ signature: 'bad', body: '', decryptFailed: true });
    expect(core.TRUSTED_STATUSES).not.toContain('bad');
    // And a staff author the log never held (an account never admitted) is unknown_author
    const una = await addMember(d, 'una', { admit: false });
    await sqlRun(t, `UPDATE messages SET author_staff_id = ? WHERE id = ?`, una.staffId, said.tomNew!);
    const again = await readThread(await d.session('tom', tom.password), ticket.ticketId);
    expect(again.get(said.tomNew!)).toMatchObject({ signature: 'unknown_author', body: '' });
  });
});
