// Issue 10 "trust that survives change", rotation half: the desk label key L is a team wrap that
// rotation re-seals (labels and filters keep working), wraps the server can tell are bad are
// refused at submission, and a wrap that cannot be opened is skipped and reported instead of
// blocking the rotation forever. The rotation is `cli rotate`'s rotateTeamKey over app.inject.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '../../../client-core';
import { expectOk } from '../../../cli/staff/api';
import { rotateTeamKey } from '../../../cli/staff/rotate';
import type { StaffSession } from '../../../cli/staff/session';
import { testTables } from '../../helpers/app';
import * as p from '../../../protocol/index';
import { randomBytes as nodeRandomBytes } from 'node:crypto';

const randomBytes = (n: number) => new Uint8Array(nodeRandomBytes(n));
import { buildTestApp, type TestApp } from '../../helpers/app';
import { api } from '../../helpers/desk';
import { bearer, registerRequester, signIn, solvedPow, TEST_POW_DIFFICULTY } from '../../helpers/requester';
import { addMember, fileTicket, teamDesk, type Member, type TeamDesk, type Ticket } from '../admin/team-desk';

const { labelKeyWraps, rotationSkips, wraps } = testTables;

let t: TestApp;
let d: TeamDesk;
let tom: Member;
const tickets: Ticket[] = [];

async function tagTicket(s: StaffSession, ticketId: string, names: string[]): Promise<void> {
  core.openLabels(s.vault, (await expectOk(s.desk, 'GET', '/api/staff/labels', undefined, s.token)).labels);
  const tags: string[] = [];
  for (const name of names) {
    const tag = core.labelTagFor(s.vault, name);
    if (core.labelNameOf(s.vault, tag) === undefined) {
      const sealed = core.sealLabel(s.vault, name);
      await expectOk(s.desk, 'POST', '/api/staff/labels', { tag: sealed.tag, sealedName: sealed.sealedName }, s.token);
    }
    tags.push(tag);
  }
  await expectOk(s.desk, 'PATCH', `/api/staff/tickets/${ticketId}`, { labels: tags }, s.token);
}

async function ticketsLabelled(s: StaffSession, name: string): Promise<string[]> {
  const q = new URLSearchParams({ label: core.labelTagFor(s.vault, name) });
  return (await expectOk(s.desk, 'GET', `/api/staff/tickets?${q}`, undefined, s.token)).tickets.map((x: { ticketId: string }) => x.ticketId).sort();
}

beforeAll(async () => {
  t = await buildTestApp({ env: { SEALDESK_POW_DIFFICULTY: TEST_POW_DIFFICULTY, SEALDESK_MAX_OPEN_TICKETS: '50' } });
  d = await teamDesk(t);
  tom = await addMember(d, 'tom');
  for (let i = 0; i < 6; i++) tickets.push(await fileTicket(d, `Ticket ${i}`));
  const s = await d.session('tom', tom.password);
  await tagTicket(s, tickets[0]!.ticketId, ['Border crossing', 'urgent-legal']);
  await tagTicket(s, tickets[1]!.ticketId, ['Border crossing']);
  await tagTicket(s, tickets[2]!.ticketId, ['Điện thoại bị thu']);
});
afterAll(async () => t.close());

describe('submission: wraps the server can tell are bad are refused', () => {
  it('refuses a team wrap of the wrong length or non-canonical base64url with 400, storing nothing', async () => {
    const r = await registerRequester(t, d.deskId);
    const { token } = (await signIn(t, r.keys)).json<{ token: string }>();
    const state = p.verifyKeyLog((await expectOk(d.deskApi, 'GET', '/api/keylog')).entries);
    const created = p.createTicket({
      payload: { v: 1, subject: 'x', body: 'y', category: 'account', lang: 'en' },
      requesterSignSk: r.keys.sign.secretKey,
      requesterBoxPk: r.keys.box.publicKey,
      team: p.teamPublicKeyOf(state),
    });
    const body = p.ticketSubmission(created);
    const good = body.teamWrap.sealed;
    // 80 bytes whose last base64url character carries stray low bits: decodes, but is not canonical
    const last = good.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const nonCanonical = good.slice(0, -1) + alphabet[(alphabet.indexOf(last) & ~0xf) | 0x1]!;
    for (const sealed of [p.toB64(randomBytes(79)), p.toB64(randomBytes(81)), nonCanonical, `${good}=`, good.replace(/.$/, '+')]) {
      for (const where of ['teamWrap', 'requesterWrap'] as const) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/tickets',
          headers: bearer(token),
          payload: { ...body, [where]: { ...body[where], sealed }, pow: await solvedPow(t, 'ticket') },
        });
        expect(res.statusCode, `${where} ${sealed}`).toBe(400);
      }
    }
    expect(await t.db.select().from(wraps).where(eq(wraps.ticketId, created.ticketId))).toEqual([]);
    // And a grant or a label key wrap of the wrong length is refused too
    const admin = await d.admin();
    const grant = await api(t.app, 'POST', '/api/admin/grants', { grants: [{ staffId: tom.staffId, teamKeyVersion: 1, sealed: p.toB64(randomBytes(32)) }] }, admin.token);
    expect(grant.status).toBe(400);
    const rewrap = await api(t.app, 'POST', '/api/admin/rewrap', { wraps: [{ ticketId: null, keyKind: 'label', teamKeyVersion: 1, sealed: nonCanonical }] }, admin.token);
    expect(rewrap.status).toBe(400);
    const ownerless = await api(t.app, 'POST', '/api/admin/rewrap', { wraps: [{ ticketId: null, keyKind: 'ticket', teamKeyVersion: 1, sealed: good }] }, admin.token);
    expect(ownerless.status).toBe(400);
  });
});

describe('rotation re-seals the label key and skips what cannot be opened', () => {
  let garbage: Ticket;
  let broken: Ticket;
  const lines: string[] = [];

  it('the setup committed a desk label key and stores it sealed to team key v1 only', async () => {
    const state = p.verifyKeyLog((await expectOk(d.deskApi, 'GET', '/api/keylog')).entries);
    expect(state.labelKeyCommit).not.toBeNull();
    expect(await t.db.select({ v: labelKeyWraps.teamKeyVersion }).from(labelKeyWraps)).toEqual([{ v: 1 }]);
    // A label-key entry cannot be appended on its own (its wrap must come with it)
    const admin = await d.admin();
    const entry = p.signKeyLogEntry(
      p.buildKeyLogEntry(admin.vault.keyLog!, { type: 'label-key', body: { commit: p.toB64(randomBytes(32)) }, signer: admin.staffId, at: 5 }),
      admin.vault.staff!.keys.sign.secretKey,
    );
    expect((await api(t.app, 'POST', '/api/keylog', { entry }, admin.token)).body.error.code).toBe('entry_mismatch');
    expect((await api(t.app, 'POST', '/api/admin/label-key', { entry, wrap: { teamKeyVersion: 1, sealed: p.toB64(randomBytes(80)) } }, admin.token)).body.error.code).toBe(
      'label_key_exists',
    );
  });

  it('a wrap of random bytes (accepted: the server cannot tell) and one planted non-canonical in the database are skipped and reported; the rotation completes', async () => {
    // Given one ticket whose team wrap is 80 random bytes, and one whose stored wrap was corrupted
    garbage = tickets[4]!;
    broken = tickets[5]!;
    await t.db
      .update(wraps)
      .set({ sealed: p.toB64(randomBytes(80)) })
      .where(and(eq(wraps.ticketId, garbage.ticketId), eq(wraps.recipient, 'team')));
    await t.db
      .update(wraps)
      .set({ sealed: 'not*base64url' })
      .where(and(eq(wraps.ticketId, broken.ticketId), eq(wraps.recipient, 'team')));
    // When the admin rotates in batches of 2, stopping after two batches (a closed laptop)
    const partial = await rotateTeamKey(await d.admin(), { batchSize: 2, maxBatches: 2, onProgress: (l) => lines.push(l) });
    expect(partial).toMatchObject({ version: 2, complete: false });
    const mid = (await api(t.app, 'GET', '/api/admin/rotation', undefined, (await d.admin()).token)).body;
    // Then the progress the console shows is the server's (the label wrap waits for a page with room)
    expect(mid.progress.label).toEqual({ done: 0, total: 1 });
    expect(mid.pending).toEqual({ tickets: 2, notes: 0, labels: 1 });
    expect(core.rotationProgress(mid)).toMatchObject({ done: 4, total: 7 });
    // And a second run (a new vault: nothing from the first run's memory) continues and completes
    const done = await rotateTeamKey(await d.admin(), { batchSize: 2, onProgress: (l) => lines.push(l) });
    expect(done).toMatchObject({ version: 2, complete: true, retired: [1], unopenable: 2 });
    expect(lines).toContain('continuing the unfinished rotation to v2');
    expect(lines.some((l) => l.includes(`ticket ${garbage.ticketId}`) && l.includes('does not open'))).toBe(true);
    expect(lines.some((l) => l.includes(`ticket ${broken.ticketId}`) && l.includes('malformed'))).toBe(true);
    expect(done.skipped.map((w) => [w.ticketId, w.reason]).sort()).toEqual(
      [
        [garbage.ticketId, 'does_not_open'],
        [broken.ticketId, 'malformed'],
      ].sort(),
    );
    // And the skip is audited; after retirement nothing of v1 is left, the skip list included
    const audit = (await api(t.app, 'GET', '/api/admin/audit?what=rotation.skip', undefined, (await d.admin()).token)).body.entries;
    expect(audit.reduce((n: number, e: { detail: { skipped: number } }) => n + e.detail.skipped, 0)).toBe(2);
    expect(await t.db.select().from(wraps).where(eq(wraps.teamKeyVersion, 1))).toEqual([]);
    expect(await t.db.select().from(rotationSkips)).toEqual([]);
    expect(await t.db.select({ v: labelKeyWraps.teamKeyVersion }).from(labelKeyWraps)).toEqual([{ v: 2 }]);
  });

  it('refuses team-key-retire while a wrap is neither re-wrapped nor reported', async () => {
    // Given a second rotation where one wrap is left pending
    const admin = await d.admin();
    const { entry } = core.prepareNewTeamKey(admin.vault);
    await expectOk(admin.desk, 'POST', '/api/keylog', { entry }, admin.token);
    core.recordKeyLogEntry(admin.vault, entry);
    const retire = core.retireEntry(admin.vault, 2);
    const res = await api(t.app, 'POST', '/api/keylog', { entry: retire }, admin.token);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('rewrap_incomplete');
    // And a skip report for a wrap that is not pending is refused
    const bogus = await api(
      t.app,
      'POST',
      '/api/admin/rotation/skip',
      { wraps: [{ ticketId: p.newId(), keyKind: 'ticket', teamKeyVersion: 2, reason: 'does_not_open' }] },
      admin.token,
    );
    expect(bogus.status).toBe(404);
    // When the rotation is resumed by a new run: the admin's own v3 grant was never uploaded (as if
    // the laptop died right after the team-key append), so v3's secret is gone; the run makes v4
    // and retires both older versions
    const lines: string[] = [];
    const resumed = await rotateTeamKey(await d.admin(), { resume: true, onProgress: (l) => lines.push(l) });
    expect(resumed, lines.join('\n')).toMatchObject({ version: 4, complete: true, retired: [2, 3] });
    expect(lines).toContain('v3 was never granted to you; appended team-key v4 instead');
  });

  it('labels survive: a technician with only the newest team key reads the dictionary, and filters find the same tickets', async () => {
    const s = await d.session('tom', tom.password);
    expect(s.vault.teamKeys.has(1)).toBe(false);
    const { labels, unreadable } = core.openLabels(s.vault, (await expectOk(s.desk, 'GET', '/api/staff/labels', undefined, s.token)).labels);
    expect(unreadable).toBe(0);
    expect(labels.map((l) => l.name)).toEqual(['border crossing', 'điện thoại bị thu', 'urgent-legal']);
    expect(await ticketsLabelled(s, 'BORDER CROSSING')).toEqual([tickets[0]!.ticketId, tickets[1]!.ticketId].sort());
    expect(await ticketsLabelled(s, 'Điện thoại bị thu')).toEqual([tickets[2]!.ticketId]);
    // And new labels keep the same key: tagging now and filtering agrees with what was there
    await tagTicket(s, tickets[3]!.ticketId, ['Border crossing']);
    expect(await ticketsLabelled(s, 'border crossing')).toHaveLength(3);
    // And every readable old ticket still opens
    for (const x of tickets.slice(0, 4)) {
      const thread = await expectOk(s.desk, 'GET', `/api/staff/tickets/${x.ticketId}/messages`, undefined, s.token);
      const view = core.openStaffThread(s.vault, thread.ticket, thread.messages);
      expect(view.messages[0]).toMatchObject({ signature: 'verified', decryptFailed: false });
    }
  });

  it('a label key wrap that does not match the key log commitment is never used', async () => {
    // Given the server swaps the stored label wrap for one sealing a key of its own choosing
    const state = p.verifyKeyLog((await expectOk(d.deskApi, 'GET', '/api/keylog')).entries);
    const planted = p.wrapKeyForTeam(p.newLabelKey(), p.teamPublicKeyOf(state));
    await t.db.update(labelKeyWraps).set({ sealed: planted.sealed }).where(eq(labelKeyWraps.teamKeyVersion, planted.teamKeyVersion));
    // Then unlock reports labels unavailable and no label can be sealed or looked up
    const s = await d.session('tom', tom.password);
    expect(() => core.labelTagFor(s.vault, 'border crossing')).toThrow(/label key/);
    expect(() => core.sealLabel(s.vault, 'exfiltrate')).toThrow(/label key/);
  });
});
