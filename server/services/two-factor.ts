// Staff two-factor sign-in: TOTP (RFC 6238, via otpauth) and one-time recovery codes
// (issue 13 §1; docs/API.md "Two-factor sign-in", docs/THREAT-MODEL.md "Two-factor sign-in").
// The second factor guards the session, and so the release of the sealed key blob; it adds
// nothing to the encryption: the server can read the TOTP secrets by design.
import { and, eq, isNotNull, notInArray } from 'drizzle-orm';
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { SecondFactor, TotpEnrolment, TwoFactorStatus } from '../../contract/index';
import type { staffTotp } from '../../db/schema';
import { AppError, conflict, notFound } from '../errors';
import { appendAuditRow } from '../plugins/app/audit';
import { nowSeconds } from '../plugins/app/tokens';
import { affectedRows, tables, transaction, type Db } from './data';

export const TOTP_ISSUER = 'Sealdesk';
const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
/** 160-bit secrets, the size RFC 4226 recommends for HMAC-SHA-1. */
const TOTP_SECRET_BYTES = 20;
/** One step either side: a phone clock up to ~30 s off still signs in. */
const TOTP_WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;
/** 80 random bits per code: 16 base32 characters, shown as XXXX-XXXX-XXXX-XXXX. */
const RECOVERY_CODE_BYTES = 10;

/** Server-held keys for two-factor data, all derived from the one server secret under their own labels. */
export interface TwoFactorKeys {
  /** AES-256-GCM key sealing TOTP secrets at rest. */
  readonly sealKey: Buffer;
  /** HMAC-SHA-256 key for recovery-code hashes. */
  readonly codeKey: Buffer;
}
export function twoFactorKeys(serverSecret: Uint8Array): TwoFactorKeys {
  const derive = (label: string) => createHmac('sha256', serverSecret).update(label).digest();
  return Object.freeze({ sealKey: derive('sealdesk/v1/totp-seal-key'), codeKey: derive('sealdesk/v1/recovery-code-key') });
}

// ---- sealing TOTP secrets at rest ----
const SEAL_VERSION = 'v1';
const sealAd = (staffId: string) => Buffer.from(`sealdesk/v1/totp|${staffId}`, 'utf8');

/**
 * SECURITY: AES-256-GCM, random 96-bit nonce, AD binds the staff id so a sealed secret cannot be
 * moved to another account. A database copy without the data dir's key file reveals no secret.
 */
function sealTotpSecret(keys: TwoFactorKeys, staffId: string, secret: Uint8Array): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.sealKey, nonce).setAAD(sealAd(staffId));
  const ct = Buffer.concat([cipher.update(secret), cipher.final(), cipher.getAuthTag()]);
  return `${SEAL_VERSION}.${Buffer.concat([nonce, ct]).toString('base64url')}`;
}

function openTotpSecret(keys: TwoFactorKeys, staffId: string, sealed: string): Uint8Array {
  const [version, body] = sealed.split('.');
  if (version !== SEAL_VERSION || !body) throw new Error('unknown TOTP secret seal version');
  const raw = Buffer.from(body, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', keys.sealKey, raw.subarray(0, 12)).setAAD(sealAd(staffId));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  // A wrong key or a moved row throws here: a server error, never a code accepted.
  return new Uint8Array(Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]));
}

function totpFor(secret: Uint8Array, username: string): TOTP {
  return new TOTP({ issuer: TOTP_ISSUER, label: username, secret: new Secret({ buffer: secret.slice().buffer }), ...TOTP_PARAMS });
}

// ---- recovery codes ----
function formatRecoveryCode(bytes: Uint8Array): string {
  return (new Secret({ buffer: bytes.slice().buffer }).base32.match(/.{4}/g) ?? []).join('-');
}
const normalizeRecoveryCode = (code: string) => code.replaceAll('-', '').toUpperCase();
/**
 * Why HMAC and not crypto_pwhash_str: a code carries 80 random bits, so no offline guessing can
 * find one from its hash and a slow hash buys nothing — it would only make ten checks per login
 * cost ten Argon2 runs. The key (from the server secret) means a database copy alone cannot
 * even test a guess; the staff id in the input stops one hash from matching across accounts.
 */
function recoveryCodeHash(keys: TwoFactorKeys, staffId: string, code: string): string {
  return createHmac('sha256', keys.codeKey)
    .update(`${staffId}|${normalizeRecoveryCode(code)}`)
    .digest('base64url');
}

// ---- queries ----
export async function isTwoFactorRequired(db: Db): Promise<boolean> {
  const { desk } = tables(db);
  const [row] = await db.select({ required: desk.twoFactorRequired }).from(desk).where(eq(desk.id, 1));
  return row?.required ?? false;
}

async function confirmedTotp(db: Db, staffId: string) {
  const { staffTotp } = tables(db);
  const [row] = await db
    .select()
    .from(staffTotp)
    .where(and(eq(staffTotp.staffId, staffId), isNotNull(staffTotp.confirmedAt)));
  return row;
}

export async function hasTwoFactor(db: Db, staffId: string): Promise<boolean> {
  return (await confirmedTotp(db, staffId)) !== undefined;
}

export async function twoFactorStatus(db: Db, staffId: string): Promise<TwoFactorStatus> {
  const { staffTotp, staffRecoveryCodes } = tables(db);
  const [row] = await db.select({ confirmedAt: staffTotp.confirmedAt }).from(staffTotp).where(eq(staffTotp.staffId, staffId));
  const codes = await db.select({ h: staffRecoveryCodes.codeHash }).from(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, staffId));
  return {
    enabled: row !== undefined && row.confirmedAt !== null,
    pending: row !== undefined && row.confirmedAt === null,
    required: await isTwoFactorRequired(db),
    recoveryCodesLeft: codes.length,
  };
}

// ---- verifying a factor ----
export type FactorKind = 'totp' | 'recovery_code';

/**
 * Checks one TOTP code against a stored secret and spends its time step.
 * SECURITY: a code is accepted only for a step later than the last accepted one, and the update
 * is conditional, so a code (or an earlier one) cannot be used twice, even by two racing requests
 * (on two nodes too: the conditional update is one statement, and PostgreSQL re-checks its WHERE
 * on the row it locks).
 * otpauth compares codes with crypto.timingSafeEqual.
 */
async function spendTotpCode(db: Db, keys: TwoFactorKeys, row: typeof staffTotp.$inferSelect, username: string, code: string): Promise<boolean> {
  const totp = totpFor(openTotpSecret(keys, row.staffId, row.sealedSecret), username);
  const delta = totp.validate({ token: code, window: TOTP_WINDOW });
  if (delta === null) return false;
  const step = totp.counter() + delta;
  if (step <= row.lastStep) return false;
  const { staffTotp } = tables(db);
  const spent = await db
    .update(staffTotp)
    .set({ lastStep: step })
    .where(and(eq(staffTotp.staffId, row.staffId), eq(staffTotp.lastStep, row.lastStep)));
  return affectedRows(spent) === 1;
}

/** SECURITY: compares against every stored hash in constant time, then deletes the one it used. */
async function spendRecoveryCode(db: Db, keys: TwoFactorKeys, staffId: string, code: string): Promise<boolean> {
  const { staffRecoveryCodes } = tables(db);
  const wanted = Buffer.from(recoveryCodeHash(keys, staffId, code), 'base64url');
  const rows = await db.select({ codeHash: staffRecoveryCodes.codeHash }).from(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, staffId));
  let match: string | null = null;
  for (const { codeHash } of rows) {
    const stored = Buffer.from(codeHash, 'base64url');
    if (stored.length === wanted.length && timingSafeEqual(stored, wanted)) match = codeHash;
  }
  if (match === null) return false;
  const used = await db.delete(staffRecoveryCodes).where(and(eq(staffRecoveryCodes.staffId, staffId), eq(staffRecoveryCodes.codeHash, match)));
  return affectedRows(used) === 1;
}

/**
 * Spends a second factor of a member with two-factor on: the kind used, or null when the code is
 * wrong, expired or used already. The caller counts a null against the sign-in throttle.
 */
export async function spendSecondFactor(db: Db, keys: TwoFactorKeys, staffId: string, username: string, factor: SecondFactor): Promise<FactorKind | null> {
  const row = await confirmedTotp(db, staffId);
  if (!row) return null;
  if ('totp' in factor) return (await spendTotpCode(db, keys, row, username, factor.totp)) ? 'totp' : null;
  return (await spendRecoveryCode(db, keys, staffId, factor.recoveryCode)) ? 'recovery_code' : null;
}

// ---- enrolment ----
/**
 * Begins (or restarts) an enrolment: a fresh secret, stored sealed and unconfirmed. It becomes a
 * factor only once a code from it is confirmed, so a member never locks themselves out by
 * scanning nothing.
 */
export async function beginTotpEnrolment(db: Db, keys: TwoFactorKeys, staffId: string, username: string): Promise<TotpEnrolment> {
  if (await hasTwoFactor(db, staffId)) throw conflict('two-factor is on already; disable it before enrolling again', 'two_factor_enabled');
  const secret = new Uint8Array(randomBytes(TOTP_SECRET_BYTES));
  const sealedSecret = sealTotpSecret(keys, staffId, secret);
  const { staffTotp } = tables(db);
  await db
    .insert(staffTotp)
    .values({ staffId, sealedSecret, confirmedAt: null, lastStep: 0, createdAt: nowSeconds() })
    .onConflictDoUpdate({ target: staffTotp.staffId, set: { sealedSecret, confirmedAt: null, lastStep: 0, createdAt: nowSeconds() } });
  const totp = totpFor(secret, username);
  return { secret: totp.secret.base32, uri: totp.toString(), ...TOTP_PARAMS };
}

/** Confirms a pending enrolment with a current code; returns the recovery codes, shown once. */
export async function confirmTotpEnrolment(db: Db, keys: TwoFactorKeys, staffId: string, username: string, code: string): Promise<string[]> {
  const { staffTotp } = tables(db);
  const [row] = await db.select().from(staffTotp).where(eq(staffTotp.staffId, staffId));
  if (!row) throw conflict('begin an enrolment first', 'two_factor_not_enabled');
  if (row.confirmedAt !== null) throw conflict('two-factor is on already', 'two_factor_enabled');
  if (!(await spendTotpCode(db, keys, row, username, code))) throw new AppError('two_factor_invalid', 'the code is wrong or expired; check the device clock');
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => formatRecoveryCode(new Uint8Array(randomBytes(RECOVERY_CODE_BYTES))));
  await transaction(db, async (tx) => {
    const t = tables(tx);
    await tx.update(t.staffTotp).set({ confirmedAt: nowSeconds() }).where(eq(t.staffTotp.staffId, staffId));
    await tx.delete(t.staffRecoveryCodes).where(eq(t.staffRecoveryCodes.staffId, staffId));
    await tx.insert(t.staffRecoveryCodes).values(codes.map((c) => ({ staffId, codeHash: recoveryCodeHash(keys, staffId, c) })));
    await appendAuditRow(tx, staffId, 'staff.two_factor_enabled', staffId, { factor: 'totp', recoveryCodes: codes.length });
  });
  return codes;
}

/** Removes a member's factor and codes (the caller revokes their sessions). */
async function removeTwoFactor(db: Db, staffId: string): Promise<void> {
  const { staffTotp, staffRecoveryCodes } = tables(db);
  await db.delete(staffTotp).where(eq(staffTotp.staffId, staffId));
  await db.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, staffId));
}

/**
 * The member turns two-factor off, proving it with a current code or a recovery code. Returns
 * false for a wrong code (the caller counts it against the sign-in throttle).
 */
export async function disableOwnTwoFactor(db: Db, keys: TwoFactorKeys, staffId: string, username: string, factor: SecondFactor): Promise<boolean> {
  if (!(await hasTwoFactor(db, staffId))) throw conflict('two-factor is not on', 'two_factor_not_enabled');
  const used = await spendSecondFactor(db, keys, staffId, username, factor);
  if (used === null) return false;
  await transaction(db, async (tx) => {
    await removeTwoFactor(tx, staffId);
    await appendAuditRow(tx, staffId, 'staff.two_factor_disabled', staffId, { with: used });
  });
  return true;
}

/** An admin removes a member's second factor (lost phone and codes); audited. */
export async function resetTwoFactor(db: Db, adminId: string, staffId: string): Promise<void> {
  if (adminId === staffId) throw conflict('use your own two-factor settings to change your factor', 'self_change');
  const { staff } = tables(db);
  if ((await db.select({ id: staff.id }).from(staff).where(eq(staff.id, staffId))).length === 0) throw notFound('no such staff member');
  await transaction(db, async (tx) => {
    const { staffTotp } = tables(tx);
    const had = (await tx.select({ staffId: staffTotp.staffId }).from(staffTotp).where(eq(staffTotp.staffId, staffId))).length > 0;
    await removeTwoFactor(tx, staffId);
    await appendAuditRow(tx, adminId, 'staff.two_factor_reset', staffId, { hadFactor: had });
  });
}

/**
 * Sets the desk policy. Turning it on needs the admin's own factor first (or they would lock
 * themselves out of everything but enrolment). Returns the staff ids without a factor, whose
 * sessions the caller revokes: under the policy a full session implies a second factor.
 */
export async function setTwoFactorPolicy(db: Db, adminId: string, required: boolean): Promise<string[]> {
  if (required && !(await hasTwoFactor(db, adminId))) throw conflict('turn on your own two-factor first', 'two_factor_not_enabled');
  return transaction(db, async (tx) => {
    const { desk, staff, staffTotp } = tables(tx);
    await tx.update(desk).set({ twoFactorRequired: required }).where(eq(desk.id, 1));
    await appendAuditRow(tx, adminId, 'desk.two_factor_policy', null, { required });
    if (!required) return [];
    const withFactor = tx.select({ id: staffTotp.staffId }).from(staffTotp).where(isNotNull(staffTotp.confirmedAt));
    return (await tx.select({ id: staff.id }).from(staff).where(notInArray(staff.id, withFactor))).map((r) => r.id);
  });
}
