// Staff enrolment: the first admin's desk setup and an invited member's activation. The password,
// kek and every secret key live only in these calls' locals (setup keeps the new admin's keys in
// the vault so the caller can go on as that admin); callers get the request bodies (public keys,
// the auth secret the server stores hashed, the key blob and grant sealed) and fingerprints.
import {
  buildGenesisEntry,
  buildKeyLogEntry,
  deskFingerprint,
  enrolStaffKeys,
  formatFingerprint,
  generateStaffKeys,
  generateStaffPassphrase,
  generateTeamKey,
  isGeneratedPassphrase,
  labelKeyCommitment,
  newId,
  newLabelKey,
  normalisePassphrase,
  sealGrant,
  signKeyLogEntry,
  staffKdfFor,
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

/**
 * A member's secret and how it was made. `generated`: the 8-word passphrase newStaffPassphrase
 * gave them (the default; enrolled with the light STAFF_PASSPHRASE_KDF, its strength is its 88
 * bits). Otherwise a password they chose (at least 12 characters; STAFF_PASSWORD_KDF, OWASP's
 * cost). DECISIONS "Staff passphrases (issue 12)".
 */
export interface StaffSecret {
  password: string;
  generated?: boolean;
}

/** The default staff secret: 8 words, 88 bits, from the requester's list and generator. */
export function newStaffPassphrase(): string {
  return generateStaffPassphrase();
}

/**
 * Refuses a secret that is not what it claims: a "generated" passphrase must be 8 list words
 * (SECURITY: the light parameters are only safe on 88 bits), a chosen password ≥ 12 characters.
 * Returns the Argon2id parameters that fit it.
 */
export function checkStaffSecret(secret: StaffSecret): KdfParams {
  if (secret.generated !== true) {
    checkStaffPassword(secret.password);
    return staffKdfFor('chosen');
  }
  if (!isGeneratedPassphrase(normalisePassphrase(secret.password))) throw new CoreError('bad_passphrase', 'a generated passphrase is 8 words from the list');
  return staffKdfFor('generated');
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
 * team key v1's secret sealed to the admin as their grant. Needs the desk id (initDesk). `kdf`
 * overrides the parameters that fit the secret, for tests only. `fingerprint` is the desk
 * fingerprint to pin: the hash of the signed genesis.
 */
export function prepareSetup(v: Vault, p: StaffSecret & { username: string }, kdf?: KdfParams): { request: SetupRequest; fingerprint: B64 } {
  const deskId = requireDesk(v);
  if (!STAFF_USERNAME.test(p.username)) throw new CoreError('bad_username', 'usernames are lower-case letters, digits, dot, dash or underscore');
  const fitting = checkStaffSecret(p);
  const staffId = newId();
  const keys = generateStaffKeys();
  const enrolment = enrolStaffKeys(staffId, p.password, keys, kdf ?? fitting);
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
export function prepareActivation(p: StaffSecret & { staffId: string | null }, kdf?: KdfParams): { staffId: string; enrolment: StaffEnrolment; keyFingerprint: string } {
  const fitting = checkStaffSecret(p);
  const staffId = p.staffId ?? newId();
  const enrolment = enrolStaffKeys(staffId, p.password, generateStaffKeys(), kdf ?? fitting);
  return { staffId, enrolment, keyFingerprint: formatFingerprint(staffKeyFingerprintHash(enrolment.boxPk, enrolment.signPk)) };
}
