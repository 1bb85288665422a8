// Worker-side staff enrolment: the first admin's desk setup (the same steps as
// `server/cli/setup.ts`) and an invited member's activation. The password, kek and every secret
// key live only in this call's locals; the page gets the request bodies (public keys, the auth
// secret the server stores hashed, the key blob and grant sealed) and public fingerprints.
import {
  DEFAULT_STAFF_KDF,
  buildGenesisEntry,
  buildKeyLogEntry,
  deskFingerprint,
  enrolStaffKeys,
  generateStaffKeys,
  generateTeamKey,
  newId,
  sealGrant,
  signKeyLogEntry,
  staffKeyFingerprint,
  toB64,
  verifyKeyLog,
  type KdfParams,
} from '../../../protocol';
import { STAFF_PASSWORD_MIN_CHARS, STAFF_USERNAME, type RpcMethods } from '../rpc';
import { EngineError, requireDesk } from './state';

type R<M extends keyof RpcMethods> = RpcMethods[M]['result'];

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function checkPassword(password: string): void {
  // The page checks too; this keeps a short password out even if the page is bypassed.
  if (password.length < STAFF_PASSWORD_MIN_CHARS) throw new EngineError('weak_password', `the password must be at least ${STAFF_PASSWORD_MIN_CHARS} characters`);
}

/**
 * The first admin: keys, genesis (this desk, this admin), team key v1 signed by the admin, and
 * team key v1's secret sealed to the admin as their grant. `kdf` is for tests only.
 */
export function prepareSetup(p: RpcMethods['staffPrepareSetup']['params'], kdf: KdfParams = DEFAULT_STAFF_KDF): R<'staffPrepareSetup'> {
  const deskId = requireDesk();
  if (!STAFF_USERNAME.test(p.username)) throw new EngineError('bad_username', 'usernames are lower-case letters, digits, dot, dash or underscore');
  checkPassword(p.password);
  const staffId = newId();
  const keys = generateStaffKeys();
  const enrolment = enrolStaffKeys(staffId, p.password, keys, kdf);
  const at = nowSeconds();
  const genesis = signKeyLogEntry(
    buildGenesisEntry({ deskId, staffId, username: p.username, boxPk: enrolment.boxPk, signPk: enrolment.signPk, at }),
    keys.sign.secretKey,
  );
  const team = generateTeamKey();
  const teamKey = signKeyLogEntry(
    buildKeyLogEntry(verifyKeyLog([genesis]), { type: 'team-key', body: { version: 1, boxPk: toB64(team.publicKey) }, signer: staffId, at }),
    keys.sign.secretKey,
  );
  return {
    request: { username: p.username, ...enrolment, genesis, teamKey, grant: sealGrant(team.secretKey, keys.box.publicKey) },
    fingerprint: deskFingerprint(genesis),
  };
}

/**
 * An invited member: keys and sealed blob for `POST /api/staff/activate`, plus the key
 * fingerprint the admin sees when admitting (`cli admit`), to compare out of band.
 */
export function prepareActivation(p: RpcMethods['staffPrepareActivation']['params'], kdf: KdfParams = DEFAULT_STAFF_KDF): R<'staffPrepareActivation'> {
  checkPassword(p.password);
  // A new member chooses the id: the blob's AD binds it, so it must exist before sealing.
  const staffId = p.staffId ?? newId();
  const enrolment = enrolStaffKeys(staffId, p.password, generateStaffKeys(), kdf);
  return { staffId, enrolment, keyFingerprint: staffKeyFingerprint(enrolment.boxPk, enrolment.signPk) };
}
