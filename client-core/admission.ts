// Admission (SPEC §4): an admin vouches for a member's keys in the key log (`staff-add`) and seals
// the current team key to them. Two steps because the grant must go to the box key the VERIFIED log
// lists, which is true only once the server has accepted the staff-add:
//   prepareAdmission → POST /api/keylog (if an entry) → recordKeyLogEntry → grantCurrentTeamKey → POST /api/admin/grants
import { asBoxPublicKey, fingerprintsMatch, formatFingerprint, sealGrant, staffKeyFingerprintHash, type KeyLogEntry } from '../protocol';
import { CoreError } from './errors';
import { signNextEntry } from './keylog';
import { requireKeyLog, type Vault } from './vault';
import type { GrantsBody, StaffRow } from '../contract';

/** A grant to upload (one item of POST /api/admin/grants). */
export type GrantUpload = GrantsBody['grants'][number];
/** What admission needs of an account (GET /api/admin/staff). */
export type StaffAccount = Pick<StaffRow, 'staffId' | 'username' | 'role' | 'status' | 'boxPk' | 'signPk'>;

export interface Admission {
  staffId: string;
  /** The member's key fingerprint in the one display form (6 groups of 5 digits), to compare with what the member reads out. */
  keyFingerprint: string;
  /** The signed staff-add to post, or null when the log already lists exactly these keys. */
  staffAdd: KeyLogEntry | null;
}

/** A member's key fingerprint as every client shows it (PROTOCOL §6.2): 6 groups of 5 digits. */
export function staffFingerprint(boxPk: string, signPk: string): string {
  return formatFingerprint(staffKeyFingerprintHash(boxPk, signPk));
}

/**
 * SECURITY: the fingerprint is compared BEFORE anything is signed: a server that swapped the
 * member's keys at activation is caught before the admin vouches for them in the log. The
 * comparison ignores case, spaces and dashes (fingerprintsMatch), and a mismatch message never
 * contains the value the desk holds: printed next to the typed one it would invite the admin to
 * copy it, which is exactly what a server that swapped the keys wants.
 */
export function prepareAdmission(v: Vault, member: StaffAccount, expectedFingerprint?: string): Admission {
  if (member.status !== 'active' || !member.boxPk || !member.signPk) throw new CoreError('not_activated', `${member.username} has not activated their account yet`);
  const keyFingerprint = staffFingerprint(member.boxPk, member.signPk);
  if (expectedFingerprint !== undefined && !fingerprintsMatch(keyFingerprint, expectedFingerprint)) {
    throw new CoreError(
      'fingerprint_differs',
      `the fingerprint ${member.username} read out does not match the keys the desk holds for them: nothing was admitted. ` +
        'Ask them to read it again from their own screen; if it still differs, the keys were replaced: reset the account and invite them again.',
    );
  }
  const listed = requireKeyLog(v).staff.get(member.staffId);
  const alreadyListed = listed?.active === true && listed.boxPk === member.boxPk && listed.signPk === member.signPk && listed.role === member.role;
  const staffAdd = alreadyListed
    ? null
    : signNextEntry(v, 'staff-add', { staffId: member.staffId, username: member.username, role: member.role, boxPk: member.boxPk, signPk: member.signPk });
  return { staffId: member.staffId, keyFingerprint, staffAdd };
}

/** The current team key sealed to the box key the verified log lists for an active member. */
export function grantCurrentTeamKey(v: Vault, staffId: string): GrantUpload {
  const log = requireKeyLog(v);
  const current = log.currentTeamKey;
  if (!current) throw new CoreError('no_team_key', 'the key log has no current team key');
  const team = v.teamKeys.get(current.version);
  if (!team) throw new CoreError('no_team_key', `you hold no grant for the current team key (v${current.version})`);
  const rec = log.staff.get(staffId);
  // SECURITY: the box key comes from the verified log, never from the server's account list.
  if (!rec?.active) throw new CoreError('keylog_invalid', 'the key log does not list this member as active');
  return { staffId, teamKeyVersion: current.version, sealed: sealGrant(team.secretKey, asBoxPublicKey(rec.boxPk)) };
}
