// Issue 10 "trust that survives change": what a member signed before a re-enrolment, and what a
// removed member signed, keeps verifying against the key the log vouched for at the time, marked
// as such; a key the log never held stays a red warning.
import { beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol/index';
import { loadSodium } from './helpers';
import { desk, pk, type Person } from './keylog-desk';

beforeAll(loadSodium);

type Desk = ReturnType<typeof desk>;
const ticketId = () => p.newId();

/** A reply by `author` signed with `keys` (their keys at the time of writing). */
function reply(keys: p.StaffKeys) {
  const place = { ticketId: ticketId(), messageId: p.newId() };
  const envelope = p.sealMessage({ kind: 'message', ...place, key: p.newTicketKey(), payload: { v: 1, body: 'hello' }, authorSignSk: keys.sign.secretKey });
  return { kind: 'message' as const, ...place, envelope };
}

function reenrol(d: Desk, member: Person): p.StaffKeys {
  const fresh = p.generateStaffKeys();
  d.append(d.a, 'staff-add', { staffId: member.id, username: 'tom', role: 'technician', boxPk: pk(fresh.box.publicKey), signPk: pk(fresh.sign.publicKey) });
  return fresh;
}

describe('key history in the key log state', () => {
  it('keeps every key pair the log vouched for, with the entries that started and ended it', () => {
    // Given technician T, re-enrolled once and then removed
    const d = desk();
    const addedAt = d.entries[2]!;
    const fresh = reenrol(d, d.t);
    const reenrolment = d.entries.at(-1)!;
    d.append(d.a, 'staff-remove', { staffId: d.t.id });
    const removal = d.entries.at(-1)!;
    // Then the record lists both pairs, oldest first, each closed by the entry that ended it
    const rec = d.state.staff.get(d.t.id)!;
    expect(rec.active).toBe(false);
    expect(rec.keyHistory).toEqual([
      { boxPk: pk(d.t.keys.box.publicKey), signPk: pk(d.t.keys.sign.publicKey), fromSeq: addedAt.seq, fromAt: addedAt.at, untilSeq: reenrolment.seq, untilAt: reenrolment.at },
      { boxPk: pk(fresh.box.publicKey), signPk: pk(fresh.sign.publicKey), fromSeq: reenrolment.seq, fromAt: reenrolment.at, untilSeq: removal.seq, untilAt: removal.at },
    ]);
    expect(rec.signPk).toBe(pk(fresh.sign.publicKey));
    expect(Object.isFrozen(rec.keyHistory)).toBe(true);
  });

  it('starts the genesis admin with one open period', () => {
    const d = desk();
    expect(d.state.staff.get(d.a.id)!.keyHistory).toEqual([
      { boxPk: pk(d.a.keys.box.publicKey), signPk: pk(d.a.keys.sign.publicKey), fromSeq: 0, fromAt: d.entries[0]!.at, untilSeq: null, untilAt: null },
    ]);
  });

  it('rebuilds the same history when the whole log is verified from scratch', () => {
    const d = desk();
    reenrol(d, d.t);
    expect(p.verifyKeyLog(d.entries).staff.get(d.t.id)!.keyHistory).toEqual(d.state.staff.get(d.t.id)!.keyHistory);
  });
});

describe('classifyStaffSigner', () => {
  it('offers the current key of an active member as verified', () => {
    const d = desk();
    expect(p.classifyStaffSigner(d.state, d.t.id).map((c) => [c.signPk, c.status])).toEqual([[pk(d.t.keys.sign.publicKey), 'verified']]);
  });

  it('offers the current key first, then keys held before a re-enrolment as former_key, newest first', () => {
    const d = desk();
    const second = reenrol(d, d.t);
    const third = reenrol(d, d.t);
    expect(p.classifyStaffSigner(d.state, d.t.id).map((c) => [c.signPk, c.status])).toEqual([
      [pk(third.sign.publicKey), 'verified'],
      [pk(second.sign.publicKey), 'former_key'],
      [pk(d.t.keys.sign.publicKey), 'former_key'],
    ]);
  });

  it('marks every key of a removed member as former_member', () => {
    const d = desk();
    const second = reenrol(d, d.t);
    d.append(d.a, 'staff-remove', { staffId: d.t.id });
    expect(p.classifyStaffSigner(d.state, d.t.id).map((c) => [c.signPk, c.status])).toEqual([
      [pk(second.sign.publicKey), 'former_member'],
      [pk(d.t.keys.sign.publicKey), 'former_member'],
    ]);
  });

  it('lists a key once, with its best status, when a member is re-added with the same keys', () => {
    const d = desk();
    d.append(d.a, 'staff-remove', { staffId: d.t.id });
    d.append(d.a, 'staff-add', d.staffBody(d.t, 'tom', 'technician'));
    expect(p.classifyStaffSigner(d.state, d.t.id).map((c) => c.status)).toEqual(['verified']);
  });

  it('offers nothing for a staff id the log never held', () => {
    expect(p.classifyStaffSigner(desk().state, p.newId())).toEqual([]);
  });
});

describe('identifyStaffSigner', () => {
  it('verifies a reply signed before a re-enrolment against the former key', () => {
    // Given a reply T signed, then T re-enrols with new keys
    const d = desk();
    const before = reply(d.t.keys);
    const fresh = reenrol(d, d.t);
    const after = reply(fresh);
    // Then the old reply verifies as former_key and the new one as verified
    expect(p.identifyStaffSigner(d.state, { ...before, staffId: d.t.id })?.status).toBe('former_key');
    expect(p.identifyStaffSigner(d.state, { ...after, staffId: d.t.id })?.status).toBe('verified');
    // And the reply still opens with the key that verified it
    const found = p.identifyStaffSigner(d.state, { ...before, staffId: d.t.id })!;
    expect(found.signPk).toBe(pk(d.t.keys.sign.publicKey));
  });

  it("verifies a removed member's reply as former_member", () => {
    const d = desk();
    const r = reply(d.t.keys);
    d.append(d.a, 'staff-remove', { staffId: d.t.id });
    expect(p.identifyStaffSigner(d.state, { ...r, staffId: d.t.id })?.status).toBe('former_member');
  });

  it('finds nothing for a key the log never held, a forged record, or another member', () => {
    const d = desk();
    const stranger = reply(p.generateStaffKeys());
    expect(p.identifyStaffSigner(d.state, { ...stranger, staffId: d.t.id })).toBeNull();
    const byTom = reply(d.t.keys);
    // Attributed to B, whose keys did not sign it
    expect(p.identifyStaffSigner(d.state, { ...byTom, staffId: d.b.id })).toBeNull();
    // Moved to another message slot: the AD changes, so no key verifies
    expect(p.identifyStaffSigner(d.state, { ...byTom, messageId: p.newId(), staffId: d.t.id })).toBeNull();
    expect(p.identifyStaffSigner(d.state, { ...byTom, staffId: p.newId() })).toBeNull();
  });

  it('still throws FormatError for a malformed envelope rather than calling it a forgery', () => {
    const d = desk();
    const r = reply(d.t.keys);
    expect(() => p.identifyStaffSigner(d.state, { ...r, envelope: { v: 1 }, staffId: d.t.id })).toThrow(p.FormatError);
  });
});
