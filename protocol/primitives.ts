// Thin, typed wrappers over the libsodium calls the protocol uses, so the domain files read as
// protocol steps and never touch the library's option-laden signatures directly.
import { AEAD_NONCE_BYTES, HASH_BYTES } from './constants';
import { DecryptError } from './errors';
import { verifyEd25519 } from './signature-verifier';
import { sodium } from './sodium';

export function randomBytes(length: number): Uint8Array {
  return sodium().randombytes_buf(length);
}

/** Uniform integer in [0, upperBound) without modulo bias. */
export function randomBelow(upperBound: number): number {
  return sodium().randombytes_uniform(upperBound);
}

/**
 * SECURITY: constant-time comparison for secrets and MACs. Lengths are not secret (they are
 * fixed by the format), so unequal lengths return false at once rather than throwing.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  if (a.length === 0) return true;
  return sodium().memcmp(a, b);
}

export function hash256(message: Uint8Array, key?: Uint8Array): Uint8Array {
  return sodium().crypto_generichash(HASH_BYTES, message, key ?? null);
}

export function aeadEncrypt(plaintext: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  return sodium().crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
}

/** Throws DecryptError on any failure; never returns null. */
export function aeadDecrypt(ciphertext: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  if (nonce.length !== AEAD_NONCE_BYTES) throw new DecryptError();
  try {
    return sodium().crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, ad, nonce, key);
  } catch {
    throw new DecryptError();
  }
}

export function signDetached(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return sodium().crypto_sign_detached(message, secretKey);
}

/** Through the verifier seam (signature-verifier.ts): libsodium's by default, the server's native one once installed. */
export function verifyDetached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return verifyEd25519(signature, message, publicKey);
}

export function sealBox(message: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return sodium().crypto_box_seal(message, publicKey);
}

export function openSealedBox(sealed: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array {
  try {
    return sodium().crypto_box_seal_open(sealed, publicKey, secretKey);
  } catch {
    throw new DecryptError('sealed key does not open with this key pair');
  }
}

export function kdfDerive(length: number, id: number, context: string, key: Uint8Array): Uint8Array {
  return sodium().crypto_kdf_derive_from_key(length, id, context, key);
}

export function argon2id(length: number, password: Uint8Array, salt: Uint8Array, opslimit: number, memlimit: number): Uint8Array {
  const s = sodium();
  return s.crypto_pwhash(length, password, salt, opslimit, memlimit, s.crypto_pwhash_ALG_ARGON2ID13);
}

export function boxPublicFromSecret(secretKey: Uint8Array): Uint8Array {
  return sodium().crypto_scalarmult_base(secretKey);
}
