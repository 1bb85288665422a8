// SPEC §4 staff identity. One Argon2id run gives two secrets: kek (decrypts the key blob, never
// leaves the browser) and authSecret (sent at login, stored server-side only as a pwhash string).
import { z } from 'zod';
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES, KEY_BYTES, SIGN_SECRET_KEY_BYTES, STAFF_KDF_OUTPUT_BYTES, STAFF_SALT_BYTES } from './constants';
import { fromB64, fromUtf8, toB64, utf8, type B64 } from './encoding';
import { parseVersioned, secretEnvelopeWith, versionTable, type SecretEnvelope } from './envelope';
import { FormatError } from './errors';
import { staffKeysAd } from './aad';
import { asBoxSecretKey, asSignSecretKey, boxKeyPairFromSecret, generateIdentityKeys, signKeyPairFromSecret } from './keys';
import { aeadDecrypt, aeadEncrypt, argon2id, randomBytes } from './primitives';
import { generatePassphrase, isGeneratedPassphrase, normalisePassphrase } from './requester';
import { b64OfLength } from './schemas';
import { sodium } from './sodium';
import type { AuthSecret, IdentityKeys, KdfParams, Kek } from './types';

/**
 * Argon2id cost for an account whose secret is a generated passphrase (8 words, 88 bits; the
 * default for every new account): 1 pass over 4 MiB. Its strength is the 2^88 search space, per
 * account salt; the KDF only adds a per-guess price, and a sign-in in asm.js without JIT (Tor
 * Browser "safer") takes seconds, not a minute. PROTOCOL.md §3, DECISIONS "Staff passphrases".
 * SECURITY: also the floor the server accepts at enrolment (STAFF_KDF_FLOOR).
 */
export const STAFF_PASSPHRASE_KDF: KdfParams = Object.freeze({ opslimit: 1, memlimit: 4 * 1024 * 1024 });
/**
 * Argon2id cost for a password the member chose themselves: 2 passes over 19 MiB (OWASP's
 * Argon2id minimum for human-chosen passwords). About 40 s to sign in without JIT.
 */
export const STAFF_PASSWORD_KDF: KdfParams = Object.freeze({ opslimit: 2, memlimit: 19 * 1024 * 1024 });
/**
 * The lightest parameters a desk accepts for an account (POST /api/setup, /api/staff/activate):
 * memlimit below it is refused with `kdf_too_weak`, whatever the opslimit.
 */
export const STAFF_KDF_FLOOR: KdfParams = STAFF_PASSPHRASE_KDF;

/** The parameters that fit a staff secret: light for a generated passphrase, OWASP for a chosen one. */
export function staffKdfFor(secret: 'generated' | 'chosen'): KdfParams {
  return secret === 'generated' ? STAFF_PASSPHRASE_KDF : STAFF_PASSWORD_KDF;
}

/** 8 words from the requester's list and generator (88 bits): the default staff secret. */
export function generateStaffPassphrase(): string {
  return generatePassphrase();
}

/**
 * What Argon2id reads (PROTOCOL.md §3): a passphrase of 8 list words in the requester's form
 * (NFKD, lower-case, single spaces), so case and spacing typed at sign-in do not matter; any
 * other password NFKC-normalised, so the same password typed on another keyboard or OS derives
 * the same keys.
 */
export function staffKdfInput(password: string): string {
  const normalised = normalisePassphrase(password);
  return isGeneratedPassphrase(normalised) ? normalised : password.normalize('NFKC');
}

/** Server-side hashing of authSecret: crypto_pwhash_str with the INTERACTIVE limits. */
export const AUTH_HASH_KDF: KdfParams = Object.freeze({ opslimit: 2, memlimit: 64 * 1024 * 1024 });

export type StaffKeys = IdentityKeys;
export type StaffKeyBlob = SecretEnvelope;

export function newStaffSalt(): B64 {
  return toB64(randomBytes(STAFF_SALT_BYTES));
}

export function deriveStaffSecrets(password: string, salt: string, params: KdfParams): { kek: Kek; authSecret: AuthSecret } {
  if (password.length === 0) throw new FormatError('password is empty');
  const out = argon2id(STAFF_KDF_OUTPUT_BYTES, utf8(staffKdfInput(password)), fromB64(salt, STAFF_SALT_BYTES), params.opslimit, params.memlimit);
  const secrets = { kek: out.slice(0, KEY_BYTES) as Kek, authSecret: out.slice(KEY_BYTES) as AuthSecret };
  sodium().memzero(out);
  return secrets;
}

export function generateStaffKeys(): StaffKeys {
  return generateIdentityKeys();
}

const staffKeysPayloadV1 = z.strictObject({
  v: z.literal(1),
  boxSk: b64OfLength(KEY_BYTES),
  signSk: b64OfLength(SIGN_SECRET_KEY_BYTES),
});
const STAFF_KEYS_PAYLOAD = versionTable({ 1: staffKeysPayloadV1 });

/**
 * The v1 payload has one possible length: `{"v":1,"boxSk":"<43 chars>","signSk":"<86 chars>"}` is
 * 159 bytes, so the blob's `ct` is exactly 175 bytes. A new payload layout needs a new envelope `v`.
 */
export const STAFF_KEY_BLOB_PLAINTEXT_BYTES = JSON.stringify({
  v: 1,
  boxSk: 'A'.repeat(Math.ceil((KEY_BYTES * 4) / 3)),
  signSk: 'A'.repeat(Math.ceil((SIGN_SECRET_KEY_BYTES * 4) / 3)),
}).length;
/** The staff key blob on the wire: a secret envelope whose `ct` is exactly one v1 payload. */
export const staffKeyBlobV1 = secretEnvelopeWith(b64OfLength(STAFF_KEY_BLOB_PLAINTEXT_BYTES + AEAD_TAG_BYTES));
const STAFF_KEY_BLOB = versionTable<SecretEnvelope>({ 1: staffKeyBlobV1 });

/** @internal Explicit nonce, for known-answer vectors only. */
export function sealStaffKeyBlobWithNonce(keys: StaffKeys, kek: Kek, staffId: string, nonce: Uint8Array): StaffKeyBlob {
  const plaintext = utf8(JSON.stringify({ v: 1, boxSk: toB64(keys.box.secretKey), signSk: toB64(keys.sign.secretKey) }));
  const ct = aeadEncrypt(plaintext, staffKeysAd(staffId), nonce, kek);
  sodium().memzero(plaintext);
  return { v: 1, nonce: toB64(nonce), ct: toB64(ct) };
}

/** Who can open: the staff member (their kek); AD binds the blob to their staffId. */
export function sealStaffKeyBlob(keys: StaffKeys, kek: Kek, staffId: string): StaffKeyBlob {
  return sealStaffKeyBlobWithNonce(keys, kek, staffId, randomBytes(AEAD_NONCE_BYTES));
}

/**
 * What a member's client sends to create (or re-enrol) an account, SPEC §4: KDF parameters with a
 * fresh salt, the auth secret (the server keeps only its pwhash), public keys, and the secret keys
 * sealed under kek with the staffId bound as AD. kek itself never leaves this function.
 */
export interface StaffEnrolment {
  kdf: { salt: B64; opslimit: number; memlimit: number };
  authSecret: B64;
  boxPk: B64;
  signPk: B64;
  keyBlob: StaffKeyBlob;
}

export function enrolStaffKeys(staffId: string, password: string, keys: StaffKeys, kdf: KdfParams): StaffEnrolment {
  const salt = newStaffSalt();
  const { kek, authSecret } = deriveStaffSecrets(password, salt, kdf);
  const enrolment = {
    kdf: { salt, opslimit: kdf.opslimit, memlimit: kdf.memlimit },
    authSecret: toB64(authSecret),
    boxPk: toB64(keys.box.publicKey),
    signPk: toB64(keys.sign.publicKey),
    keyBlob: sealStaffKeyBlob(keys, kek, staffId),
  };
  sodium().memzero(kek);
  sodium().memzero(authSecret);
  return enrolment;
}

/** Throws DecryptError for a wrong password (wrong kek) or a blob moved from another account. */
export function openStaffKeyBlob(blob: unknown, kek: Kek, staffId: string): StaffKeys {
  const env = parseVersioned(STAFF_KEY_BLOB, blob, 'staff key blob');
  const plaintext = aeadDecrypt(fromB64(env.ct), staffKeysAd(staffId), fromB64(env.nonce, AEAD_NONCE_BYTES), kek);
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(plaintext));
  } catch {
    throw new FormatError('staff key blob plaintext is not JSON');
  } finally {
    sodium().memzero(plaintext);
  }
  const payload = parseVersioned(STAFF_KEYS_PAYLOAD, json, 'staff key blob');
  return {
    box: boxKeyPairFromSecret(asBoxSecretKey(payload.boxSk)),
    sign: signKeyPairFromSecret(asSignSecretKey(payload.signSk)),
  };
}

/**
 * The short fingerprint of a member's two public keys that the admin (`cli admit`) and the member
 * (browser activation page, `cli activate`) compare out of band before the admin vouches for the
 * keys: the first 16 base64url characters (96 bits) of unkeyed BLAKE2b-512 over
 * `"sealdesk/v1/staff-keys|" + boxPk + "|" + signPk`.
 * @deprecated for display and comparison: show formatFingerprint(staffKeyFingerprintHash(boxPk,
 * signPk)) and compare with fingerprintsMatch. Kept, unchanged, while other rooms still compare it.
 */
export function staffKeyFingerprint(boxPk: B64 | string, signPk: B64 | string): string {
  return toB64(staffKeyFingerprintHash(boxPk, signPk)).slice(0, 16);
}

/**
 * The 64-byte hash behind a member's key fingerprint (the same digest staffKeyFingerprint cuts
 * down): pass it to formatFingerprint for the digit form people read aloud at admission.
 */
export function staffKeyFingerprintHash(boxPk: B64 | string, signPk: B64 | string): Uint8Array {
  return sodium().crypto_generichash(64, utf8(`sealdesk/v1/staff-keys|${boxPk}|${signPk}`), null);
}

/** Server side: the stored form of authSecret (crypto_pwhash_str, Argon2id, INTERACTIVE). */
export function hashAuthSecret(authSecret: AuthSecret, params: KdfParams = AUTH_HASH_KDF): string {
  return sodium().crypto_pwhash_str(authSecret, params.opslimit, params.memlimit);
}

/** Server side: constant-time by construction (crypto_pwhash_str_verify). False for a malformed hash. */
export function verifyAuthSecret(hash: string, authSecret: AuthSecret): boolean {
  try {
    return sodium().crypto_pwhash_str_verify(hash, authSecret);
  } catch {
    return false;
  }
}
