// Staff enrolment: the first admin's desk setup and an invited member's activation. The password,
// kek and every secret key live only in these calls' locals (setup keeps the new admin's keys in
// the vault so the caller can go on as that admin); callers get the request bodies (public keys,
// the auth secret the server stores hashed, the key blob and grant sealed) and fingerprints.
import {
  DEFAULT_STAFF_KDF,
  buildGenesisEntry,
  buildKeyLogEntry,
  deskFingerprint,
  enrolStaffKeys,
  formatFingerprint,
  generateStaffKeys,
  generateTeamKey,
  labelKeyCommitment,
  newId,
  newLabelKey,
  sealGrant,
  signKeyLogEntry,
  staffKeyFingerprintHash,
  toB64,
  wrapKeyForTeam,
  verifyKeyLog,
  type B64,
  type KdfParams,
  type KeyLogEntry,
  type StaffEnrolment,
} from '../protocol';
import { CoreError } from './errors';
import { requireDesk, type Vault } from './vault';

import { STAFF_PASSWORD_MIN_CHARS, STAFF_USERNAME } from './rules';

export { STAFF_PASSWORD_MIN_CHARS, STAFF_USERNAME };

/** Refuses a short password even if a page or a prompt let it through. */
export function checkStaffPassword(password: string): void {
  if (password.length < STAFF_PASSWORD_MIN_CHARS) throw new CoreError('weak_password', `the password must be at least ${STAFF_PASSWORD_MIN_CHARS} characters`);
}

/** POST /api/setup without the token: the first admin, genesis and team key v1, signed. */
export interface SetupRequest extends StaffEnrolment {
  username: string;
  genesis: KeyLogEntry;
  teamKey: KeyLogEntry;
  /** Team key v1's secret sealed to the admin's box key. */
  grant: B64;
  /** seq 2: the desk label key's commitment (PROTOCOL §4.3). */
  labelKey: KeyLogEntry;
  /** The desk label key L sealed to team key v1. */
  labelKeyWrap: B64;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * The first admin: keys, genesis (this desk, this admin), team key v1 signed by the admin, and
 * team key v1's secret sealed to the admin as their grant. Needs the desk id (initDesk). `kdf` is
 * for tests only. `fingerprint` is the desk fingerprint to pin: the hash of the signed genesis.
 */
export function prepareSetup(v: Vault, p: { username: string; password: string }, kdf: KdfParams = DEFAULT_STAFF_KDF): { request: SetupRequest; fingerprint: B64 } {
  const deskId = requireDesk(v);
  if (!STAFF_USERNAME.test(p.username)) throw new CoreError('bad_username', 'usernames are lower-case letters, digits, dot, dash or underscore');
  checkStaffPassword(p.password);
  const staffId = newId();
  const keys = generateStaffKeys();
  const enrolment = enrolStaffKeys(staffId, p.password, keys, kdf);
  const at = nowSeconds();
  const genesis = signKeyLogEntry(buildGenesisEntry({ deskId, staffId, username: p.username, boxPk: enrolment.boxPk, signPk: enrolment.signPk, at }), keys.sign.secretKey);
  const team = generateTeamKey();
  const teamKey = signKeyLogEntry(
    buildKeyLogEntry(verifyKeyLog([genesis]), { type: 'team-key', body: { version: 1, boxPk: toB64(team.publicKey) }, signer: staffId, at }),
    keys.sign.secretKey,
  );
  // The desk label key: independent of the team key, so rotations re-seal it and never change a tag.
  const labelKeyValue = newLabelKey();
  const labelKey = signKeyLogEntry(
    buildKeyLogEntry(verifyKeyLog([genesis, teamKey]), { type: 'label-key', body: { commit: labelKeyCommitment(labelKeyValue) }, signer: staffId, at }),
    keys.sign.secretKey,
  );
  const labelKeyWrap = wrapKeyForTeam(labelKeyValue, { version: 1, publicKey: team.publicKey }).sealed;
  return {
    request: { username: p.username, ...enrolment, genesis, teamKey, grant: sealGrant(team.secretKey, keys.box.publicKey), labelKey, labelKeyWrap },
    fingerprint: deskFingerprint(genesis),
  };
}

/**
 * An invited member: keys and sealed blob for `POST /api/staff/activate`, plus the key fingerprint
 * the admin sees when admitting, to compare out of band. `staffId` comes from the invite on a
 * re-enrolment; null lets the member choose one (the blob's AD binds it, so it must exist first).
 */
export function prepareActivation(
  p: { staffId: string | null; password: string },
  kdf: KdfParams = DEFAULT_STAFF_KDF,
): { staffId: string; enrolment: StaffEnrolment; keyFingerprint: string } {
  checkStaffPassword(p.password);
  const staffId = p.staffId ?? newId();
  const enrolment = enrolStaffKeys(staffId, p.password, generateStaffKeys(), kdf);
  return { staffId, enrolment, keyFingerprint: formatFingerprint(staffKeyFingerprintHash(enrolment.boxPk, enrolment.signPk)) };
}
