import { beforeAll, describe, expect, it } from 'vitest';
import canonicalize from 'canonicalize';
import * as p from '../../protocol/index';
import { expectCryptoError, loadSodium } from './helpers';
import { desk, person, pk, type Person } from './keylog-desk';

let at = 2_000_000_000;

beforeAll(loadSodium);

/** Re-signs an entry after editing it, as a forger with the right key would. */
function resign(entry: p.KeyLogEntry, signer: Person, edit: Partial<p.UnsignedKeyLogEntry>): p.KeyLogEntry {
  const { sig: _s, ...rest } = entry;
  return p.signKeyLogEntry({ ...rest, ...edit }, signer.keys.sign.secretKey);
}

function rejects(fn: () => unknown, reason: RegExp, seq?: number) {
  const err = expectCryptoError(fn, 'keylog_invalid') as p.KeyLogError;
  expect(err.reason).toMatch(reason);
  if (seq !== undefined) expect(err.seq).toBe(seq);
}

describe('verifyKeyLog', () => {
  it('builds the state: staff, roles, team keys and the pinned fingerprint', () => {
    const d = desk();
    const state = p.verifyKeyLog(d.entries, { pinnedFingerprint: p.deskFingerprint(d.entries[0]!) });
    expect(state.deskId).toBe(d.deskId);
    expect(state.nextSeq).toBe(4);
    expect(state.headHash).toBe(p.entryHash(d.entries[3]!));
    expect(state.staff.get(d.t.id)).toMatchObject({ role: 'technician', active: true, username: 'tom' });
    expect(state.currentTeamKey?.version).toBe(1);
    expect(Object.isFrozen(state)).toBe(true);
  });

  it('uses RFC 8785 canonical bytes for hashes and signatures', () => {
    const d = desk();
    const g = d.entries[0]!;
    expect(new TextDecoder().decode(p.canonicalEntryBytes(g))).toBe(canonicalize(g));
    const reordered = JSON.parse(JSON.stringify({ sig: g.sig, body: g.body, type: g.type, signer: g.signer, at: g.at, prev: g.prev, seq: g.seq }));
    expect(p.entryHash(reordered)).toBe(p.entryHash(g));
  });

  it('refuses a log whose genesis differs from the pinned fingerprint', () => {
    const d = desk();
    expectCryptoError(() => p.verifyKeyLog(d.entries, { pinnedFingerprint: p.deskFingerprint(desk().entries[0]!) }), 'fingerprint_mismatch');
  });

  it('refuses reordered entries', () => {
    const d = desk();
    const swapped = [d.entries[0], d.entries[2], d.entries[1], d.entries[3]];
    rejects(() => p.verifyKeyLog(swapped), /expected seq 1/, 2);
  });

  it('refuses an entry whose field was changed after signing', () => {
    const d = desk();
    const tampered = d.entries.map((e) => structuredClone(e));
    (tampered[2]!.body as { role: string }).role = 'admin';
    rejects(() => p.verifyKeyLog(tampered), /signature/, 2);
    tampered[2] = { ...d.entries[2]!, at: d.entries[2]!.at + 1 };
    rejects(() => p.verifyKeyLog(tampered), /signature/, 2);
  });

  it('refuses an entry whose prev does not chain to the previous entry', () => {
    const d = desk();
    const broken = [...d.entries];
    broken[2] = resign(d.entries[2]!, d.a, { prev: p.entryHash(d.entries[0]!) });
    rejects(() => p.verifyKeyLog(broken), /prev/, 2);
  });

  it('refuses an entry signed by a technician', () => {
    const d = desk();
    rejects(() => p.applyKeyLogEntry(d.state, d.next(d.t, 'role-set', { staffId: d.t.id, role: 'admin' })), /not an admin/, 4);
  });

  it('refuses an entry signed by someone outside the log', () => {
    const d = desk();
    rejects(() => p.applyKeyLogEntry(d.state, d.next(person(), 'staff-remove', { staffId: d.t.id })), /not a staff member/, 4);
  });

  it('refuses an entry signed by an admin removed earlier in the log', () => {
    const d = desk();
    d.append(d.a, 'staff-remove', { staffId: d.b.id });
    rejects(() => p.applyKeyLogEntry(d.state, d.next(d.b, 'staff-remove', { staffId: d.a.id })), /removed/, 5);
  });

  it('refuses a second genesis', () => {
    const d = desk();
    const again = resign(d.entries[0]!, d.a, { seq: 4, prev: d.state.headHash });
    rejects(() => p.applyKeyLogEntry(d.state, again), /second genesis/);
  });

  it('refuses an unknown entry type', () => {
    const d = desk();
    const unknown = p.signKeyLogEntry({ seq: 4, prev: d.state.headHash, type: 'staff-promote', at: at++, body: { staffId: d.t.id }, signer: d.a.id }, d.a.keys.sign.secretKey);
    rejects(() => p.applyKeyLogEntry(d.state, unknown), /unknown entry type/, 4);
  });

  it('refuses a body that does not match its type', () => {
    const d = desk();
    const bad = p.signKeyLogEntry(
      { seq: 4, prev: d.state.headHash, type: 'role-set', at: at++, body: { staffId: d.t.id, role: 'owner' }, signer: d.a.id },
      d.a.keys.sign.secretKey,
    );
    rejects(() => p.applyKeyLogEntry(d.state, bad), /bad role-set body/, 4);
  });

  it('refuses a key that is not canonical base64url, so every client decodes the same bytes', () => {
    const d = desk();
    const x = person();
    const boxPk = pk(x.keys.box.publicKey);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet[(alphabet.indexOf(boxPk.at(-1)!) & ~3) | 1]!; // same bytes, non-zero padding bits
    const body = { ...d.staffBody(x, 'xavier', 'technician'), boxPk: boxPk.slice(0, -1) + last };
    rejects(() => p.applyKeyLogEntry(d.state, d.next(d.a, 'staff-add', body)), /bad staff-add body/, 4);
  });

  it('refuses a genesis that is not self-signed by the first admin', () => {
    const d = desk();
    const other = person();
    rejects(() => p.verifyKeyLog([resign(d.entries[0]!, other, {})]), /signature/, 0);
  });

  it('refuses an empty log and a log that starts without genesis', () => {
    rejects(() => p.verifyKeyLog([]), /empty/);
    const d = desk();
    rejects(() => p.verifyKeyLog(d.entries.slice(1)), /first entry must be genesis/);
  });
});

describe('applyKeyLogEntry semantics', () => {
  it('treats re-adding a staff member as re-enrolment with new keys', () => {
    const d = desk();
    const fresh = p.generateStaffKeys();
    d.append(d.a, 'staff-add', { staffId: d.t.id, username: 'tom', role: 'technician', boxPk: pk(fresh.box.publicKey), signPk: pk(fresh.sign.publicKey) });
    expect(d.state.staff.get(d.t.id)?.boxPk).toBe(pk(fresh.box.publicKey));
  });

  it('numbers team keys from 1 and makes the newest current', () => {
    const d = desk();
    expect(p.nextTeamKeyVersion(d.state)).toBe(2);
    rejects(() => p.applyKeyLogEntry(d.state, d.next(d.a, 'team-key', { version: 3, boxPk: pk(p.generateTeamKey().publicKey) })), /version must be 2/);
    const v2 = p.generateTeamKey();
    d.append(d.a, 'team-key', { version: 2, boxPk: pk(v2.publicKey) });
    expect(p.toB64(p.teamPublicKeyOf(d.state).publicKey)).toBe(pk(v2.publicKey));
  });

  it('retires an old team key but never the current one', () => {
    const d = desk();
    rejects(() => p.applyKeyLogEntry(d.state, d.next(d.a, 'team-key-retire', { version: 1 })), /current/);
    d.append(d.a, 'team-key', { version: 2, boxPk: pk(p.generateTeamKey().publicKey) });
    d.append(d.a, 'team-key-retire', { version: 1 });
    expect(d.state.teamKeys.find((k) => k.version === 1)?.retired).toBe(true);
    expect(() => p.teamPublicKeyOf(d.state, 1)).toThrow(p.KeyLogError);
  });

  it('refuses the entry that would leave the desk without an active admin', () => {
    const d = desk();
    d.append(d.a, 'staff-remove', { staffId: d.b.id });
    rejects(() => p.applyKeyLogEntry(d.state, d.next(d.a, 'role-set', { staffId: d.a.id, role: 'technician' })), /without an admin/);
  });

  it('does not change the state it was given', () => {
    const d = desk();
    const before = d.state;
    p.applyKeyLogEntry(before, d.next(d.a, 'staff-remove', { staffId: d.t.id }));
    expect(before.staff.get(d.t.id)?.active).toBe(true);
    expect(before.nextSeq).toBe(4);
  });
});
