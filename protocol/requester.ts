// SPEC §4 requester identity: everything derives from an 8-word BIP-39 passphrase and the deskId.
// The passphrase never leaves the device; the server stores only the two public keys.
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { ID_BYTES, KEY_BYTES, REQUESTER_BOX_KDF, REQUESTER_SALT_BYTES, REQUESTER_SALT_DOMAIN, REQUESTER_SIGN_KDF, SIGNATURE_BYTES } from './constants';
import { concatBytes, fromB64, toB64, utf8, type B64 } from './encoding';
import { FormatError, SignatureError } from './errors';
import { boxKeyPairFromSeed, signKeyPairFromSeed } from './keys';
import { requesterSessionMessage } from './aad';
import { argon2id, hash256, kdfDerive, randomBelow, signDetached, verifyDetached } from './primitives';
import { sodium } from './sodium';
import type { IdentityKeys, KdfParams, SignPublicKey, SignSecretKey } from './types';

export const PASSPHRASE_WORDS = 8;

/**
 * Argon2id, 1 pass over 1 MiB (PROTOCOL.md §2, DECISIONS "issue 12: requester KDF"). Light on
 * purpose: the passphrase is machine-generated with 88 bits of entropy, so the KDF only adds a
 * per-guess cost on top of 2^88 guesses, and it must finish in seconds in asm.js without JIT.
 * SECURITY: changing it changes every requester's keys; it is part of the protocol, not a knob.
 */
export const REQUESTER_KDF: KdfParams = Object.freeze({ opslimit: 1, memlimit: 1024 * 1024 });

/** 8 words from the 2048-word list: 88 bits. randombytes_uniform avoids modulo bias. */
export function generatePassphrase(): string {
  const words: string[] = [];
  for (let i = 0; i < PASSPHRASE_WORDS; i++) words.push(wordlist[randomBelow(wordlist.length)]!);
  return words.join(' ');
}

const WORDS: ReadonlySet<string> = new Set(wordlist);

/** True for exactly 8 words of the list, already normalised (what generatePassphrase makes). */
export function isGeneratedPassphrase(normalised: string): boolean {
  const words = normalised.split(' ');
  return words.length === PASSPHRASE_WORDS && words.every((w) => WORDS.has(w));
}

/** NFKD, lower-case, runs of whitespace → one space, trimmed: how people retype a passphrase. */
export function normalisePassphrase(passphrase: string): string {
  return passphrase.normalize('NFKD').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/** First 16 bytes of BLAKE2b-256(utf8("sealdesk/requester/v1") || deskId bytes). */
export function requesterSalt(deskId: string): Uint8Array {
  return hash256(concatBytes(utf8(REQUESTER_SALT_DOMAIN), fromB64(deskId, ID_BYTES))).slice(0, REQUESTER_SALT_BYTES);
}

/** @internal The 32-byte Argon2id master key; exported for known-answer vectors only. */
export function requesterMaster(passphrase: string, deskId: string, kdf: KdfParams = REQUESTER_KDF): Uint8Array {
  const normalised = normalisePassphrase(passphrase);
  if (normalised.length === 0) throw new FormatError('passphrase is empty');
  return argon2id(KEY_BYTES, utf8(normalised), requesterSalt(deskId), kdf.opslimit, kdf.memlimit);
}

/** Passphrase + deskId → the requester's box and sign key pairs (SPEC §4, byte-exact). */
export function deriveRequesterKeys(passphrase: string, deskId: string, kdf: KdfParams = REQUESTER_KDF): IdentityKeys {
  const master = requesterMaster(passphrase, deskId, kdf);
  try {
    const boxSeed = kdfDerive(KEY_BYTES, REQUESTER_BOX_KDF.id, REQUESTER_BOX_KDF.context, master);
    const signSeed = kdfDerive(KEY_BYTES, REQUESTER_SIGN_KDF.id, REQUESTER_SIGN_KDF.context, master);
    const keys = { box: boxKeyPairFromSeed(boxSeed), sign: signKeyPairFromSeed(signSeed) };
    sodium().memzero(boxSeed);
    sodium().memzero(signSeed);
    return keys;
  } finally {
    sodium().memzero(master);
  }
}

const PROBE_MEMLIMIT = 64 * 1024;

/**
 * How long Argon2id at `kdf` will take here, in ms: times one pass over 64 KiB and scales by
 * passes × memory (Argon2id's cost is linear in both). For truthful progress, not for security.
 * `now` is the caller's clock (performance.now in a browser), as the protocol has no DOM types.
 */
export function estimateArgon2idMs(kdf: KdfParams, now: () => number): number {
  const started = now();
  sodium().memzero(argon2id(KEY_BYTES, new Uint8Array(8), new Uint8Array(REQUESTER_SALT_BYTES), 1, PROBE_MEMLIMIT));
  return (now() - started) * ((kdf.opslimit * kdf.memlimit) / PROBE_MEMLIMIT);
}

/** Requester login: sign utf8("sealdesk/v1/requester-session|" + challenge). */
export function signRequesterChallenge(challenge: string, signSk: SignSecretKey): B64 {
  return toB64(signDetached(requesterSessionMessage(challenge), signSk));
}

/** Server side of requester login. Throws SignatureError (or EncodingError for a malformed sig). */
export function verifyRequesterChallenge(challenge: string, sigB64: string, signPk: SignPublicKey): void {
  const sig = fromB64(sigB64, SIGNATURE_BYTES);
  if (!verifyDetached(sig, requesterSessionMessage(challenge), signPk)) throw new SignatureError();
}
