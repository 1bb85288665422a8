// SPEC §6 the key log, the desk's root of trust. Entries are chained by BLAKE2b-256 over their
// RFC 8785 canonical bytes and signed by an admin according to the log before them. The server
// runs applyKeyLogEntry on every append; clients run verifyKeyLog over the whole chain before
// sealing anything, against the fingerprint they pinned on first use.
import canonicalize from 'canonicalize';
import { KEY_BYTES, SIGNATURE_BYTES } from './constants';
import { fromB64, toB64, utf8, type B64 } from './encoding';
import { FingerprintMismatchError, KeyLogError } from './errors';
import { asSignPublicKey, asTeamPublicKey } from './keys';
import { isKeyLogType, KEYLOG_BODIES, keyLogEntrySchema, type KeyLogBodies, type KeyLogEntry, type KeyLogType, type StaffRole, type UnsignedKeyLogEntry } from './keylog-schema';
import { constantTimeEqual, hash256, signDetached, verifyDetached } from './primitives';
import type { SignSecretKey, TeamPublicKeyVersion } from './types';

/** One key pair the log vouched for a member, and the entries between which it was current. */
export interface StaffKeyPeriod {
  readonly boxPk: B64;
  readonly signPk: B64;
  /** The entry that vouched for these keys (genesis or staff-add), and its `at`. */
  readonly fromSeq: number;
  readonly fromAt: number;
  /** The entry that ended them (the staff-add of a re-enrolment, or staff-remove); null while current. */
  readonly untilSeq: number | null;
  readonly untilAt: number | null;
}

export interface StaffRecord {
  readonly staffId: string;
  readonly username: string;
  readonly role: StaffRole;
  /** The current keys (for a removed member: the keys they held when removed). */
  readonly boxPk: B64;
  readonly signPk: B64;
  readonly active: boolean;
  /** Every key pair the log ever vouched for this member, oldest first; the last is boxPk/signPk. */
  readonly keyHistory: readonly StaffKeyPeriod[];
}

export interface TeamKeyRecord {
  readonly version: number;
  readonly boxPk: B64;
  readonly retired: boolean;
}

export interface KeyLogState {
  readonly deskId: string;
  readonly fingerprint: B64;
  readonly headHash: B64;
  readonly nextSeq: number;
  readonly staff: ReadonlyMap<string, StaffRecord>;
  readonly teamKeys: readonly TeamKeyRecord[];
  /** The newest team key version; null until the first `team-key` entry. */
  readonly currentTeamKey: TeamKeyRecord | null;
  /** The newest `label-key` commitment (labels.ts); null until the desk has one. */
  readonly labelKeyCommit: B64 | null;
}

/** RFC 8785 (JCS) canonical JSON, as UTF-8. */
export function canonicalEntryBytes(entry: UnsignedKeyLogEntry | KeyLogEntry): Uint8Array {
  const text = canonicalize(entry);
  if (text === undefined) throw new KeyLogError('entry cannot be canonicalised');
  return utf8(text);
}

function withoutSig(entry: KeyLogEntry): UnsignedKeyLogEntry {
  const { sig: _sig, ...rest } = entry;
  return rest;
}

/** BLAKE2b-256 of the canonical bytes of the full (signed) entry, base64url. */
export function entryHash(entry: KeyLogEntry): B64 {
  return toB64(hash256(canonicalEntryBytes(entry)));
}

/** The desk fingerprint: the hash of the genesis entry. */
export function deskFingerprint(genesis: KeyLogEntry): B64 {
  return entryHash(genesis);
}

export function signKeyLogEntry(unsigned: UnsignedKeyLogEntry, signSk: SignSecretKey): KeyLogEntry {
  return { ...unsigned, sig: toB64(signDetached(canonicalEntryBytes(unsigned), signSk)) };
}

export function buildGenesisEntry(input: KeyLogBodies['genesis'] & { at: number }): UnsignedKeyLogEntry {
  const { at, ...body } = input;
  return { seq: 0, prev: null, type: 'genesis', at, body, signer: body.staffId };
}

/** The next entry after `state`, ready for signKeyLogEntry. */
export function buildKeyLogEntry<T extends Exclude<KeyLogType, 'genesis'>>(
  state: KeyLogState,
  input: { type: T; body: KeyLogBodies[T]; signer: string; at: number },
): UnsignedKeyLogEntry {
  return { seq: state.nextSeq, prev: state.headHash, type: input.type, at: input.at, body: { ...input.body }, signer: input.signer };
}

export function nextTeamKeyVersion(state: KeyLogState): number {
  return state.teamKeys.reduce((max, k) => Math.max(max, k.version), 0) + 1;
}

/** The team public key of `version` (or the current one), ready for wrapKeyForTeam. */
export function teamPublicKeyOf(state: KeyLogState, version?: number): TeamPublicKeyVersion {
  const rec = version === undefined ? state.currentTeamKey : state.teamKeys.find((k) => k.version === version);
  if (!rec) throw new KeyLogError('no such team key');
  if (rec.retired) throw new KeyLogError(`team key ${rec.version} is retired`);
  return { version: rec.version, publicKey: asTeamPublicKey(rec.boxPk) };
}

interface Parsed<T extends KeyLogType = KeyLogType> {
  readonly entry: KeyLogEntry;
  readonly type: T;
  readonly body: KeyLogBodies[T];
}

function parseEntry(value: unknown, expectedSeq: number): Parsed {
  const result = keyLogEntrySchema.safeParse(value);
  if (!result.success) throw new KeyLogError('malformed entry', expectedSeq);
  const entry = result.data;
  if (!isKeyLogType(entry.type)) throw new KeyLogError(`unknown entry type "${entry.type}"`, entry.seq);
  const body = KEYLOG_BODIES[entry.type].safeParse(entry.body);
  if (!body.success) throw new KeyLogError(`bad ${entry.type} body`, entry.seq);
  // Keys must be canonical base64url so every client decodes the same bytes from the same entry.
  for (const field of ['boxPk', 'signPk'] as const) {
    const value = (body.data as Record<string, unknown>)[field];
    if (typeof value === 'string' && !isCanonicalKey(value)) throw new KeyLogError(`bad ${entry.type} body`, entry.seq);
  }
  return { entry, type: entry.type, body: body.data as KeyLogBodies[KeyLogType] };
}

function checkSignature(entry: KeyLogEntry, signPk: B64): void {
  // SECURITY: the signature covers every field but `sig` in canonical form, so changing any
  // field of a published entry (or re-serialising it differently) is detected here.
  let ok: boolean;
  try {
    ok = verifyDetached(fromB64(entry.sig, SIGNATURE_BYTES), canonicalEntryBytes(withoutSig(entry)), asSignPublicKey(signPk));
  } catch {
    ok = false; // non-canonical base64url in sig or key: not a valid signature either
  }
  if (!ok) throw new KeyLogError('signature does not verify', entry.seq);
}

function isCanonicalKey(value: string): boolean {
  try {
    fromB64(value, KEY_BYTES);
    return true;
  } catch {
    return false;
  }
}

function freezeState(state: KeyLogState): KeyLogState {
  const active = state.teamKeys.filter((k) => !k.retired);
  const current = active.length === 0 ? null : active.reduce((a, b) => (b.version > a.version ? b : a));
  return Object.freeze({ ...state, teamKeys: Object.freeze([...state.teamKeys]), currentTeamKey: current });
}

function startState(value: unknown): KeyLogState {
  const parsed = parseEntry(value, 0);
  const { entry } = parsed;
  if (parsed.type !== 'genesis') throw new KeyLogError('the first entry must be genesis', entry.seq);
  const body = parsed.body as KeyLogBodies['genesis'];
  if (entry.seq !== 0 || entry.prev !== null) throw new KeyLogError('genesis must have seq 0 and prev null', entry.seq);
  if (entry.signer !== body.staffId) throw new KeyLogError('genesis must be signed by the first admin', 0);
  checkSignature(entry, body.signPk as B64);
  const hash = entryHash(entry);
  const admin: StaffRecord = Object.freeze({
    staffId: body.staffId,
    username: body.username,
    role: 'admin',
    boxPk: body.boxPk as B64,
    signPk: body.signPk as B64,
    active: true,
    keyHistory: Object.freeze([openPeriod(body.boxPk as B64, body.signPk as B64, entry)]),
  });
  return freezeState({
    deskId: body.deskId,
    fingerprint: hash,
    headHash: hash,
    nextSeq: 1,
    staff: new Map([[admin.staffId, admin]]),
    teamKeys: [],
    currentTeamKey: null,
    labelKeyCommit: null,
  });
}

function openPeriod(boxPk: B64, signPk: B64, entry: KeyLogEntry): StaffKeyPeriod {
  return Object.freeze({ boxPk, signPk, fromSeq: entry.seq, fromAt: entry.at, untilSeq: null, untilAt: null });
}

/** The history with its open period (if any) closed by `entry`. */
function closePeriods(history: readonly StaffKeyPeriod[], entry: KeyLogEntry): StaffKeyPeriod[] {
  return history.map((k) => (k.untilSeq === null ? Object.freeze({ ...k, untilSeq: entry.seq, untilAt: entry.at }) : k));
}

function activeAdmins(staff: ReadonlyMap<string, StaffRecord>): number {
  let n = 0;
  for (const s of staff.values()) if (s.active && s.role === 'admin') n++;
  return n;
}

/** Validates one appended entry against the state before it and returns the new state. */
export function applyKeyLogEntry(state: KeyLogState, value: unknown): KeyLogState {
  const { entry, type, body } = parseEntry(value, state.nextSeq);
  const seq = entry.seq;
  if (type === 'genesis') throw new KeyLogError('a second genesis entry', seq);
  if (seq !== state.nextSeq) throw new KeyLogError(`expected seq ${state.nextSeq}`, seq);
  // SECURITY: the chain link; without it entries could be dropped, reordered or spliced in.
  if (entry.prev === null || !constantTimeEqual(utf8(entry.prev), utf8(state.headHash))) {
    throw new KeyLogError('prev does not match the hash of the previous entry', seq);
  }
  // SECURITY: authority comes from the log itself, never from the server's say-so.
  const signer = state.staff.get(entry.signer);
  if (!signer) throw new KeyLogError('signer is not a staff member', seq);
  if (!signer.active) throw new KeyLogError('signer was removed earlier in the log', seq);
  if (signer.role !== 'admin') throw new KeyLogError('signer is not an admin', seq);
  checkSignature(entry, signer.signPk);

  const staff = new Map(state.staff);
  let teamKeys = [...state.teamKeys];
  let labelKeyCommit = state.labelKeyCommit;
  const need = (staffId: string): StaffRecord => {
    const rec = staff.get(staffId);
    if (!rec || !rec.active) throw new KeyLogError('no such active staff member', seq);
    return rec;
  };
  switch (type) {
    case 'staff-add': {
      // Re-adding an existing staffId is re-enrolment: new keys replace the old ones as current,
      // and the old ones stay in keyHistory so what the member signed with them still verifies.
      const b = body as KeyLogBodies['staff-add'];
      const before = staff.get(b.staffId)?.keyHistory ?? [];
      const keyHistory = Object.freeze([...closePeriods(before, entry), openPeriod(b.boxPk as B64, b.signPk as B64, entry)]);
      staff.set(b.staffId, Object.freeze({ ...b, boxPk: b.boxPk as B64, signPk: b.signPk as B64, active: true, keyHistory }));
      break;
    }
    case 'staff-remove': {
      const b = body as KeyLogBodies['staff-remove'];
      const rec = need(b.staffId);
      staff.set(b.staffId, Object.freeze({ ...rec, active: false, keyHistory: Object.freeze(closePeriods(rec.keyHistory, entry)) }));
      break;
    }
    case 'role-set': {
      const b = body as KeyLogBodies['role-set'];
      staff.set(b.staffId, Object.freeze({ ...need(b.staffId), role: b.role }));
      break;
    }
    case 'team-key': {
      const b = body as KeyLogBodies['team-key'];
      const expected = nextTeamKeyVersion(state);
      if (b.version !== expected) throw new KeyLogError(`team key version must be ${expected}`, seq);
      teamKeys.push(Object.freeze({ version: b.version, boxPk: b.boxPk as B64, retired: false }));
      break;
    }
    case 'team-key-retire': {
      const b = body as KeyLogBodies['team-key-retire'];
      const rec = teamKeys.find((k) => k.version === b.version);
      if (!rec || rec.retired) throw new KeyLogError('no such unretired team key', seq);
      if (state.currentTeamKey?.version === b.version) throw new KeyLogError('cannot retire the current team key', seq);
      teamKeys = teamKeys.map((k) => (k.version === b.version ? Object.freeze({ ...k, retired: true }) : k));
      break;
    }
    case 'label-key': {
      labelKeyCommit = (body as KeyLogBodies['label-key']).commit as B64;
      break;
    }
  }
  // A log with no active admin can never change again; refuse the entry that would cause it.
  if (activeAdmins(staff) === 0) throw new KeyLogError('the entry would leave the desk without an admin', seq);
  return freezeState({ ...state, headHash: entryHash(entry), nextSeq: seq + 1, staff, teamKeys, currentTeamKey: null, labelKeyCommit });
}

/**
 * Verifies a whole log from genesis. With `pinnedFingerprint`, the genesis hash must equal it
 * (FingerprintMismatchError otherwise): that is what makes the log trust-on-first-use.
 */
export function verifyKeyLog(entries: readonly unknown[], options: { pinnedFingerprint?: string } = {}): KeyLogState {
  if (!Array.isArray(entries) || entries.length === 0) throw new KeyLogError('the key log is empty');
  let state = startState(entries[0]);
  if (options.pinnedFingerprint !== undefined && !constantTimeEqual(utf8(state.fingerprint), utf8(options.pinnedFingerprint))) {
    throw new FingerprintMismatchError();
  }
  for (let i = 1; i < entries.length; i++) state = applyKeyLogEntry(state, entries[i]);
  return state;
}
