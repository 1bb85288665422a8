// Prelogin and login (SPEC §4, §8). The server never learns the password: it hands out the
// account's Argon2id salt and parameters, and checks the derived authSecret against a
// crypto_pwhash_str hash. Unknown and unusable accounts look exactly like real ones.
import { and, eq, isNull, ne, or } from 'drizzle-orm';
import { createHmac, randomBytes } from 'node:crypto';
import type { LoginBody, SecondFactor, SessionScope } from '../../contract/index';
import { AppError, unauthorized } from '../errors';
import { appendAuditRow, recordFailedSignIn } from '../plugins/app/audit';
import { nowSeconds } from '../plugins/app/tokens';
import { tables, type Db } from './data';
import { assertNotThrottled, clearSignInFailures, recordSignInFailure, type ThrottleKey } from './sign-in-throttle';
import { hasTwoFactor, isTwoFactorRequired, spendSecondFactor, type TwoFactorKeys } from './two-factor';
import {
  asAuthSecret,
  asLabelKey,
  fromB64,
  hashAuthSecret,
  labelTag,
  STAFF_PASSPHRASE_KDF,
  STAFF_PASSWORD_KDF,
  STAFF_SALT_BYTES,
  toB64,
  verifyAuthSecret,
  type KdfParams,
  type LabelKey,
} from '../../protocol/index';

export interface Prelogin {
  salt: string;
  opslimit: number;
  memlimit: number;
}

/** Derives the fake-salt key from the JWT key under its own label (one secret file, two uses). */
export function preloginSaltKey(serverSecret: Uint8Array): LabelKey {
  return asLabelKey(new Uint8Array(createHmac('sha256', serverSecret).update('sealdesk/v1/prelogin-salt-key').digest()));
}

/**
 * A salt for a username with no usable account: keyed BLAKE2b-256 of the username, first 16
 * bytes. Stable across calls and restarts, different per name, unpredictable without the key —
 * so prelogin cannot be used to enumerate accounts (SPEC §8).
 * The protocol exports keyed BLAKE2b-256 as `labelTag` (NFKC + trim + lower-case first); our
 * usernames are already in that form, so this is exactly BLAKE2b-keyed(key, username).
 */
export function fakeSalt(key: LabelKey, username: string): string {
  return toB64(fromB64(labelTag(key, username)).slice(0, STAFF_SALT_BYTES));
}

/**
 * The parameters for a username with no usable account: a real account has either the light
 * passphrase parameters (the default) or the chosen-password ones, so a fake answer must not
 * always be one of them. A byte of the same keyed hash (past the salt) picks, stable per name:
 * about 3 in 4 names get the default. SECURITY: either answer is one real accounts give.
 */
export function fakeKdf(key: LabelKey, username: string): KdfParams {
  const pick = fromB64(labelTag(key, username))[STAFF_SALT_BYTES]!;
  return pick < 192 ? STAFF_PASSPHRASE_KDF : STAFF_PASSWORD_KDF;
}

export async function prelogin(db: Db, key: LabelKey, username: string): Promise<Prelogin> {
  const { staff } = tables(db);
  const [row] = await db
    .select({ status: staff.status, salt: staff.kdfSalt, opslimit: staff.kdfOpslimit, memlimit: staff.kdfMemlimit })
    .from(staff)
    .where(eq(staff.username, username));
  // SECURITY: disabled and reset accounts answer like unknown names; their stored salt (if any)
  // would otherwise reveal that the name exists.
  if (!row || row.status !== 'active') return { salt: fakeSalt(key, username), ...fakeKdf(key, username) };
  return { salt: row.salt, opslimit: row.opslimit, memlimit: row.memlimit };
}

// Per cost, so a failed lookup costs exactly what a real account's verify costs.
const dummyHashes = new Map<string, string>();
/** A real pwhash string nobody knows the input of, made with the desk's hash cost. */
export function dummyHash(authHashKdf: KdfParams): string {
  const key = `${authHashKdf.opslimit}:${authHashKdf.memlimit}`;
  let hash = dummyHashes.get(key);
  if (hash === undefined) {
    hash = hashAuthSecret(asAuthSecret(new Uint8Array(randomBytes(32))), authHashKdf);
    dummyHashes.set(key, hash);
  }
  return hash;
}

/**
 * Returns the staff id when `authSecretB64` opens the account, else null. Unknown names,
 * disabled/reset accounts and wrong secrets all run one crypto_pwhash_str_verify, so neither
 * the answer nor its timing tells them apart.
 */
export async function checkLogin(db: Db, username: string, authSecretB64: string, authHashKdf: KdfParams): Promise<string | null> {
  const dummy = dummyHash(authHashKdf);
  const secret = asAuthSecret(authSecretB64);
  const { staff } = tables(db);
  const [row] = await db.select({ id: staff.id, status: staff.status, authHash: staff.authHash }).from(staff).where(eq(staff.username, username));
  if (!row || row.status !== 'active' || row.authHash === '') {
    verifyAuthSecret(dummy, secret);
    return null;
  }
  return verifyAuthSecret(row.authHash, secret) ? row.id : null;
}

export interface SignInKeys {
  readonly throttle: ThrottleKey;
  readonly twoFactor: TwoFactorKeys;
}
export interface SignedIn {
  staffId: string;
  /** 'two_factor_enrolment': the desk requires two-factor and the member has none yet. */
  scope: SessionScope;
}

function factorOf(body: LoginBody): SecondFactor | null {
  if ('totp' in body && body.totp !== undefined) return { totp: body.totp };
  if ('recoveryCode' in body && body.recoveryCode !== undefined) return { recoveryCode: body.recoveryCode };
  return null;
}

/**
 * Login with its throttle and audit trail (SPEC §8; issue 13 §1–2). Every wrong password gets the
 * same 401 (audited by username only, never the secret). With a second factor on, the right
 * password alone answers 401 two_factor_required and a wrong code 400 two_factor_invalid; both
 * kinds of failure count toward the per-name back-off.
 * SECURITY: the factor is checked here, before any session exists, so the key blob
 * (GET /api/staff/me) is never released on the password alone.
 */
export async function logIn(db: Db, keys: SignInKeys, body: LoginBody, authHashKdf: KdfParams): Promise<SignedIn> {
  const { username } = body;
  await assertNotThrottled(db, keys.throttle, username);
  const staffId = await checkLogin(db, username, body.authSecret, authHashKdf);
  if (!staffId) {
    await recordSignInFailure(db, keys.throttle, username);
    // Aggregated per name and hour, so a guessing run cannot grow the audit log without bound.
    await recordFailedSignIn(db, username);
    throw unauthorized('wrong username or password');
  }
  if (await hasTwoFactor(db, staffId)) {
    const factor = factorOf(body);
    if (!factor) throw new AppError('two_factor_required', 'enter the code from your authenticator, or a recovery code');
    const used = await spendSecondFactor(db, keys.twoFactor, staffId, username, factor);
    if (!used) {
      await recordSignInFailure(db, keys.throttle, username);
      await recordFailedSignIn(db, username);
      throw new AppError('two_factor_invalid', 'the code is wrong, expired or already used');
    }
    await clearSignInFailures(db, keys.throttle, username);
    await appendAuditRow(db, staffId, 'staff.login', staffId, { factor: used });
    await recordSignInDay(db, staffId);
    return { staffId, scope: 'staff' };
  }
  await clearSignInFailures(db, keys.throttle, username);
  // SECURITY: under the desk policy a member without a factor gets a session that opens only
  // the two-factor enrolment routes (auth.ts refuses it everywhere else).
  const scope: SessionScope = (await isTwoFactorRequired(db)) ? 'two_factor_enrolment' : 'staff';
  await appendAuditRow(db, staffId, 'staff.login', staffId, scope === 'staff' ? {} : { scope });
  await recordSignInDay(db, staffId);
  return { staffId, scope };
}

/** The UTC day of a Unix second, as the roster shows it. */
export function utcDayOf(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/**
 * The roster's "last sign-in": the UTC day only, written at most once a day per member. SECURITY
 * (privacy): a finer time, shown on every admin's screen, would be a schedule of when each
 * volunteer is online (docs/DECISIONS.md "issue 10: coarse last sign-in").
 */
async function recordSignInDay(db: Db, staffId: string): Promise<void> {
  const day = utcDayOf(nowSeconds());
  const { staff } = tables(db);
  await db
    .update(staff)
    .set({ lastSignInDay: day })
    .where(and(eq(staff.id, staffId), or(isNull(staff.lastSignInDay), ne(staff.lastSignInDay, day))));
}

export async function logOut(db: Db, staffId: string): Promise<void> {
  await appendAuditRow(db, staffId, 'staff.logout', staffId, {});
}
