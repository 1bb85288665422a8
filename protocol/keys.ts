// The only ways a byte array becomes a branded key: generated here, or checked here when it
// arrives from the wire or storage. Length checks happen once, at the boundary.
import { ID_BYTES, KEY_BYTES, SIGN_SECRET_KEY_BYTES } from './constants';
import { fromB64, toB64, type B64 } from './encoding';
import { EncodingError } from './errors';
import { boxPublicFromSecret, randomBytes } from './primitives';
import { sodium } from './sodium';
import type {
  AuthSecret,
  BoxKeyPair,
  BoxPublicKey,
  BoxSecretKey,
  FileKey,
  IdentityKeys,
  Kek,
  LabelKey,
  NoteKey,
  PowMacKey,
  SignKeyPair,
  SignPublicKey,
  SignSecretKey,
  TeamKeyPair,
  TeamPublicKey,
  TeamSecretKey,
  TicketKey,
} from './types';

function bytesOf(value: Uint8Array | string, length: number): Uint8Array {
  if (typeof value === 'string') return fromB64(value, length);
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new EncodingError(`expected ${length} bytes`);
  }
  return value;
}

// Constructors for keys that arrive as bytes or base64url. Each checks the length.
export const asTicketKey = (v: Uint8Array | string) => bytesOf(v, KEY_BYTES) as TicketKey;
export const asNoteKey = (v: Uint8Array | string) => bytesOf(v, KEY_BYTES) as NoteKey;
export const asFileKey = (v: Uint8Array | string) => bytesOf(v, KEY_BYTES) as FileKey;
export const asLabelKey = (v: Uint8Array | string) => bytesOf(v, KEY_BYTES) as LabelKey;
export const asPowMacKey = (v: Uint8Array | string) => bytesOf(v, KEY_BYTES) as PowMacKey;
export const asKek = (v: Uint8Array | string) => bytesOf(v, KEY_BYTES) as Kek;
export const asAuthSecret = (v: Uint8Array | string) => bytesOf(v, KEY_BYTES) as AuthSecret;
export const asBoxPublicKey = (v: Uint8Array | string) => bytesOf(v, KEY_BYTES) as BoxPublicKey;
export const asBoxSecretKey = (v: Uint8Array | string) => bytesOf(v, KEY_BYTES) as BoxSecretKey;
export const asSignPublicKey = (v: Uint8Array | string) => bytesOf(v, KEY_BYTES) as SignPublicKey;
export const asSignSecretKey = (v: Uint8Array | string) => bytesOf(v, SIGN_SECRET_KEY_BYTES) as SignSecretKey;
export const asTeamPublicKey = (v: Uint8Array | string) => bytesOf(v, KEY_BYTES) as TeamPublicKey;
export const asTeamSecretKey = (v: Uint8Array | string) => bytesOf(v, KEY_BYTES) as TeamSecretKey;

/** 16 random bytes, base64url: every id in the system (desk, staff, ticket, message, …). */
export function newId(): B64 {
  return toB64(randomBytes(ID_BYTES));
}

export const newTicketKey = () => randomBytes(KEY_BYTES) as TicketKey;
export const newNoteKey = () => randomBytes(KEY_BYTES) as NoteKey;
export const newFileKey = () => randomBytes(KEY_BYTES) as FileKey;
export const newPowMacKey = () => randomBytes(KEY_BYTES) as PowMacKey;
/** The desk label key L: made once at setup, then kept only as a team wrap (labels.ts). */
export const newLabelKey = () => randomBytes(KEY_BYTES) as LabelKey;

export function boxKeyPairFromSeed(seed: Uint8Array): BoxKeyPair {
  const kp = sodium().crypto_box_seed_keypair(seed);
  return { publicKey: kp.publicKey as BoxPublicKey, secretKey: kp.privateKey as BoxSecretKey };
}

export function signKeyPairFromSeed(seed: Uint8Array): SignKeyPair {
  const kp = sodium().crypto_sign_seed_keypair(seed);
  return { publicKey: kp.publicKey as SignPublicKey, secretKey: kp.privateKey as SignSecretKey };
}

/** Rebuilds a box key pair from its secret key (public = X25519 base-point multiplication). */
export function boxKeyPairFromSecret(secretKey: BoxSecretKey): BoxKeyPair {
  return { publicKey: boxPublicFromSecret(secretKey) as BoxPublicKey, secretKey };
}

/** Rebuilds a sign key pair from its 64-byte secret key (seed || public key). */
export function signKeyPairFromSecret(secretKey: SignSecretKey): SignKeyPair {
  return { publicKey: sodium().crypto_sign_ed25519_sk_to_pk(secretKey) as SignPublicKey, secretKey };
}

export function generateIdentityKeys(): IdentityKeys {
  return {
    box: boxKeyPairFromSeed(randomBytes(KEY_BYTES)),
    sign: signKeyPairFromSeed(randomBytes(KEY_BYTES)),
  };
}

export function teamKeyPairFromSecret(secretKey: TeamSecretKey): TeamKeyPair {
  return { publicKey: boxPublicFromSecret(secretKey) as TeamPublicKey, secretKey };
}

/** A fresh team (intake) X25519 key pair; its version comes from the key log. */
export function generateTeamKey(): TeamKeyPair {
  return teamKeyPairFromSecret(randomBytes(KEY_BYTES) as TeamSecretKey);
}
