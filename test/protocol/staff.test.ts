import { beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol/index';
import { CHEAP_KDF } from '../fixtures/kdf';
import { expectCryptoError, loadSodium } from './helpers';

beforeAll(loadSodium);

describe('staff secrets and key blob', () => {
  it('splits one Argon2id output into distinct kek and authSecret', () => {
    const s = p.deriveStaffSecrets('pw', p.newStaffSalt(), CHEAP_KDF);
    expect(s.kek).toHaveLength(32);
    expect(s.authSecret).toHaveLength(32);
    expect(p.constantTimeEqual(s.kek, s.authSecret)).toBe(false);
  });

  it('derives different secrets for the same password with another salt', () => {
    const a = p.deriveStaffSecrets('pw', p.newStaffSalt(), CHEAP_KDF);
    const b = p.deriveStaffSecrets('pw', p.newStaffSalt(), CHEAP_KDF);
    expect(p.toB64(a.kek)).not.toBe(p.toB64(b.kek));
  });

  it('enrols an account that opens again from the password alone', () => {
    const staffId = p.newId();
    const keys = p.generateStaffKeys();
    const e = p.enrolStaffKeys(staffId, 'correct horse', keys, CHEAP_KDF);
    expect(e.kdf).toMatchObject(CHEAP_KDF);
    expect([e.boxPk, e.signPk]).toEqual([p.toB64(keys.box.publicKey), p.toB64(keys.sign.publicKey)]);
    // What a later login does: same password + the stored salt → same authSecret and kek.
    const again = p.deriveStaffSecrets('correct horse', e.kdf.salt, e.kdf);
    expect(p.toB64(again.authSecret)).toBe(e.authSecret);
    expect(p.toB64(p.openStaffKeyBlob(e.keyBlob, again.kek, staffId).sign.secretKey)).toBe(p.toB64(keys.sign.secretKey));
    // Another password cannot open it; a fresh enrolment uses a fresh salt.
    expectCryptoError(() => p.openStaffKeyBlob(e.keyBlob, p.deriveStaffSecrets('wrong horse', e.kdf.salt, e.kdf).kek, staffId), 'decrypt_failed');
    expect(p.enrolStaffKeys(staffId, 'correct horse', keys, CHEAP_KDF).kdf.salt).not.toBe(e.kdf.salt);
  });

  it('round-trips the key blob and rebuilds both public keys', () => {
    const staffId = p.newId();
    const keys = p.generateStaffKeys();
    const { kek } = p.deriveStaffSecrets('pw', p.newStaffSalt(), CHEAP_KDF);
    const opened = p.openStaffKeyBlob(p.sealStaffKeyBlob(keys, kek, staffId), kek, staffId);
    expect(p.toB64(opened.box.publicKey)).toBe(p.toB64(keys.box.publicKey));
    expect(p.toB64(opened.sign.publicKey)).toBe(p.toB64(keys.sign.publicKey));
    expect(p.toB64(opened.sign.secretKey)).toBe(p.toB64(keys.sign.secretKey));
  });

  it('refuses to open the blob with a wrong password', () => {
    const salt = p.newStaffSalt();
    const staffId = p.newId();
    const blob = p.sealStaffKeyBlob(p.generateStaffKeys(), p.deriveStaffSecrets('right', salt, CHEAP_KDF).kek, staffId);
    expectCryptoError(() => p.openStaffKeyBlob(blob, p.deriveStaffSecrets('wrong', salt, CHEAP_KDF).kek, staffId), 'decrypt_failed');
  });

  it('refuses a blob moved to another staff account', () => {
    const { kek } = p.deriveStaffSecrets('pw', p.newStaffSalt(), CHEAP_KDF);
    const blob = p.sealStaffKeyBlob(p.generateStaffKeys(), kek, p.newId());
    expectCryptoError(() => p.openStaffKeyBlob(blob, kek, p.newId()), 'decrypt_failed');
  });

  it('checks the authSecret against its pwhash string and rejects another one', () => {
    const { authSecret } = p.deriveStaffSecrets('pw', p.newStaffSalt(), CHEAP_KDF);
    const hash = p.hashAuthSecret(authSecret, CHEAP_KDF);
    expect(hash.startsWith('$argon2id$')).toBe(true);
    expect(p.verifyAuthSecret(hash, authSecret)).toBe(true);
    expect(p.verifyAuthSecret(hash, p.asAuthSecret(new Uint8Array(32)))).toBe(false);
    expect(p.verifyAuthSecret('not a hash', authSecret)).toBe(false);
  });
});

describe('constantTimeEqual', () => {
  it('compares equal, unequal and different-length inputs without throwing', () => {
    expect(p.constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(p.constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(p.constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
  });
});
