// The client core's team functions (issue 10), pure: admission's fingerprint comparison, the
// roster view model, disable/role entries, the rotation steps and progress, the label key's
// commitment check, and the audit page's links. No server: the vault and the verified log only.
import { beforeAll, describe, expect, it } from 'vitest';
import * as core from '../../client-core';
import * as p from '../../protocol';
import type { AuditPage, RotationStatus, StaffList } from '../../contract';
import { staffDesk, type StaffDesk } from './fixture';

let desk: StaffDesk;
let memberId: string;
let boxPk: string;
let signPk: string;
let account: core.StaffAccount;

beforeAll(async () => {
  desk = await staffDesk();
  const member = p.generateStaffKeys();
  memberId = p.newId();
  boxPk = p.toB64(member.box.publicKey);
  signPk = p.toB64(member.sign.publicKey);
  account = { staffId: memberId, username: 'tom', role: 'technician', status: 'active', boxPk, signPk };
});

describe('admission compares fingerprints as people read them', () => {
  it('accepts the display form with any spacing, dashes or full-width digits', () => {
    const shown = core.staffFingerprint(boxPk, signPk);
    expect(shown).toMatch(/^\d{5}( \d{5}){5}$/);
    for (const typed of [shown, shown.replaceAll(' ', ''), shown.replaceAll(' ', '-'), ` ${shown} `, shown.replace(/\d/g, (c) => String.fromCharCode(0xff10 + Number(c)))]) {
      expect(core.prepareAdmission(desk.staff, account, typed).keyFingerprint).toBe(shown);
    }
  });

  it('refuses a mismatch before signing, and the message never contains the desk’s value', () => {
    const shown = core.staffFingerprint(boxPk, signPk);
    const oneOff = shown.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
    const err = (() => {
      try {
        core.prepareAdmission(desk.staff, account, oneOff);
      } catch (e) {
        return e as core.CoreError;
      }
      throw new Error('admitted');
    })();
    expect(err.code).toBe('fingerprint_differs');
    expect(err.message).toContain('nothing was admitted');
    expect(err.message.replace(/\D/g, '')).not.toContain(shown.replace(/\D/g, ''));
    expect(err.message).not.toContain(shown.slice(0, 11));
    // The log did not move: nothing was signed
    expect(desk.staff.keyLog!.nextSeq).toBe(2);
  });
});

describe('roster, disable and role entries', () => {
  it('builds the roster from the list and the verified log', () => {
    const list: StaffList = {
      staff: [
        { ...account, boxPk, signPk, state: 'awaiting_admission', admitted: false, lastSignInDay: null, inviteExpiresAt: null, createdAt: 1, updatedAt: 1 },
        {
          staffId: desk.adminId,
          username: 'admin',
          role: 'admin',
          status: 'active',
          state: 'active',
          boxPk: p.toB64(desk.admin.box.publicKey),
          signPk: p.toB64(desk.admin.sign.publicKey),
          admitted: true,
          lastSignInDay: '2026-12-01',
          inviteExpiresAt: null,
          createdAt: 1,
          updatedAt: 1,
        },
      ],
      invites: [
        { username: 'ana', role: 'technician', expiresAt: 99, reenrolment: false },
        { username: 'tom', role: 'technician', expiresAt: 98, reenrolment: true },
      ],
    };
    expect(core.rosterView(desk.staff, list)).toEqual([
      {
        staffId: desk.adminId,
        username: 'admin',
        role: 'admin',
        state: 'active',
        fingerprint: core.staffFingerprint(list.staff[1]!.boxPk!, list.staff[1]!.signPk!),
        lastSignInDay: '2026-12-01',
        inviteExpiresAt: null,
        keyLog: 'member',
        keyLogRole: 'admin',
      },
      { staffId: null, username: 'ana', role: 'technician', state: 'invited', fingerprint: null, lastSignInDay: null, inviteExpiresAt: 99, keyLog: 'absent', keyLogRole: null },
      {
        staffId: memberId,
        username: 'tom',
        role: 'technician',
        state: 'awaiting_admission',
        fingerprint: core.staffFingerprint(boxPk, signPk),
        lastSignInDay: null,
        inviteExpiresAt: null,
        keyLog: 'absent',
        keyLogRole: null,
      },
    ]);
  });

  it('signs staff-remove only for a member the log lists, role-set only for a real change, never for oneself', () => {
    const v = desk.freshStaffVault();
    expect(core.prepareDisable(v, memberId)).toEqual({ body: { status: 'disabled' }, entry: null });
    const admission = core.prepareAdmission(v, account);
    core.recordKeyLogEntry(v, admission.staffAdd!);
    const { body, entry } = core.prepareDisable(v, memberId);
    expect(entry).toMatchObject({ type: 'staff-remove', body: { staffId: memberId }, signer: desk.adminId, seq: 3 });
    expect(body).toEqual({ status: 'disabled', entry });
    expect(core.prepareRoleChange(v, memberId, 'technician')).toEqual({ body: { role: 'technician' }, entry: null });
    expect(core.prepareRoleChange(v, memberId, 'admin').entry).toMatchObject({ type: 'role-set', body: { staffId: memberId, role: 'admin' } });
    expect(() => core.prepareDisable(v, desk.adminId)).toThrow(core.CoreError);
    expect(() => core.prepareReset(v, desk.adminId)).toThrow(/another admin/);
    expect(() => core.inviteBody('Tom', 'technician')).toThrow(/lower-case/);
  });
});

describe('rotation steps and progress', () => {
  const status = (over: Partial<RotationStatus>): RotationStatus => ({
    currentVersion: 1,
    previousVersions: [],
    pending: { tickets: 0, notes: 0, labels: 0 },
    progress: { ticket: { done: 3, total: 4 }, note: { done: 1, total: 1 }, label: { done: 0, total: 1 } },
    skipped: [],
    batch: [],
    nextCursor: null,
    staffWithoutGrant: [],
    ...over,
  });

  it('commits the label key first on a desk without one, then starts only when asked', () => {
    const v = desk.freshStaffVault();
    expect(core.nextRotationStep(v, status({}), { start: true })).toEqual({ kind: 'label_key' });
    const body = core.prepareLabelKey(v)!;
    // The committed key is the one labels already use on this desk: existing tags stay valid
    const before = core.labelTagFor(v, 'phishing');
    core.recordKeyLogEntry(v, body.entry as p.KeyLogEntry);
    core.adoptLabelKey(v, body);
    expect(core.labelTagFor(v, 'phishing')).toBe(before);
    expect(core.prepareLabelKey(v)).toBeNull();
    expect(core.nextRotationStep(v, status({}), { start: false })).toEqual({ kind: 'done' });
    expect(core.nextRotationStep(v, status({}), { start: true })).toEqual({ kind: 'new_team_key' });
    expect(core.rotationProgress(status({}))).toMatchObject({ done: 4, total: 6, failed: [] });
  });

  it('re-seals the label wrap only if it matches the commitment; reports malformed and unopenable wraps', () => {
    const v = desk.freshStaffVault();
    const body = core.prepareLabelKey(v)!;
    core.recordKeyLogEntry(v, body.entry as p.KeyLogEntry);
    const { version, entry } = core.prepareNewTeamKey(v);
    core.recordKeyLogEntry(v, entry);
    const t = desk.fileTicket({ subject: 's', body: 'b' });
    const planted = p.wrapKeyForTeam(p.newLabelKey(), { version: 1, publicKey: desk.team.publicKey });
    const batch = [
      { ticketId: null, keyKind: 'label' as const, ...body.wrap },
      { ticketId: t.ticketId, keyKind: 'ticket' as const, ...t.teamWrap },
      { ticketId: p.newId(), keyKind: 'ticket' as const, teamKeyVersion: 1, sealed: 'not base64' },
      { ticketId: p.newId(), keyKind: 'note' as const, teamKeyVersion: 1, sealed: p.toB64(new Uint8Array(80)) },
      { ticketId: null, keyKind: 'label' as const, ...planted },
    ];
    const out = core.rewrapBatch(v, batch, version);
    expect(out.wraps.map((w) => [w.keyKind, w.teamKeyVersion])).toEqual([
      ['label', 2],
      ['ticket', 2],
    ]);
    expect(out.failed.map((f) => f.reason)).toEqual(['malformed', 'does_not_open', 'does_not_open']);
    // And the moved label wrap opens to the committed L under v2
    expect(core.openDeskLabelKey(v, [out.wraps[0]!])).toBe(true);
    // A wrap of a version this admin holds no key for is not a failure of the wrap: it stops
    expect(() => core.rewrapBatch(v, [{ ...batch[1]!, teamKeyVersion: 7 }], version)).toThrow(/no grant/);
  });
});

describe('audit view', () => {
  it('checks the links between consecutive rows and passes the server’s chain result on', () => {
    const row = (seq: number, prevHash: string, hash: string) => ({ seq, at: seq, actorStaffId: null, action: 'x', target: null, detail: {}, prevHash, hash });
    const page: AuditPage = { entries: [row(1, 'g', 'a'), row(2, 'a', 'b'), row(4, 'zz', 'd')], nextAfter: null, chain: { ok: true, count: 4, brokenAt: null } };
    expect(core.auditView(page)).toMatchObject({ linksOk: true, chain: { ok: true } });
    expect(core.auditView({ ...page, entries: [row(1, 'g', 'a'), row(2, 'X', 'b')] }).linksOk).toBe(false);
  });
});
