// Branded key types. A Uint8Array is a Uint8Array to the compiler, so without brands a ticket key
// could be passed where a team secret key belongs and the mistake would only show up as a failed
// decrypt in production. Brands make it a compile error. Values get a brand only through the
// constructors in keys.ts (which check the length) or through the functions that create them.

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Random per-ticket key K: encrypts the thread and attachment metadata. */
export type TicketKey = Brand<Uint8Array, 'TicketKey'>;
/** Random per-ticket key N: encrypts internal notes; only ever sealed to the team key. */
export type NoteKey = Brand<Uint8Array, 'NoteKey'>;
/** Random per-attachment secretstream key F. */
export type FileKey = Brand<Uint8Array, 'FileKey'>;
/** Staff key-encryption key: first half of the staff Argon2id output; never leaves the browser. */
export type Kek = Brand<Uint8Array, 'Kek'>;
/** Staff login secret: second half of the staff Argon2id output; the server stores only its hash. */
export type AuthSecret = Brand<Uint8Array, 'AuthSecret'>;
/** Desk label key L (random, wrapped to the team key); blinds label tags and seals label names. */
export type LabelKey = Brand<Uint8Array, 'LabelKey'>;
/** Server-only MAC key for proof-of-work challenges. */
export type PowMacKey = Brand<Uint8Array, 'PowMacKey'>;

export type TeamSecretKey = Brand<Uint8Array, 'TeamSecretKey'>;
export type TeamPublicKey = Brand<Uint8Array, 'TeamPublicKey'>;
export type BoxSecretKey = Brand<Uint8Array, 'BoxSecretKey'>;
export type BoxPublicKey = Brand<Uint8Array, 'BoxPublicKey'>;
export type SignSecretKey = Brand<Uint8Array, 'SignSecretKey'>;
export type SignPublicKey = Brand<Uint8Array, 'SignPublicKey'>;

export interface BoxKeyPair {
  readonly publicKey: BoxPublicKey;
  readonly secretKey: BoxSecretKey;
}

export interface SignKeyPair {
  readonly publicKey: SignPublicKey;
  readonly secretKey: SignSecretKey;
}

export interface TeamKeyPair {
  readonly publicKey: TeamPublicKey;
  readonly secretKey: TeamSecretKey;
}

/** A person's long-term keys: requesters derive them from the passphrase, staff generate them. */
export interface IdentityKeys {
  readonly box: BoxKeyPair;
  readonly sign: SignKeyPair;
}

/** Argon2id cost parameters, as stored per staff account and sent by prelogin. */
export interface KdfParams {
  readonly opslimit: number;
  readonly memlimit: number;
}

/** A team key version together with its public key, as published in the key log. */
export interface TeamPublicKeyVersion {
  readonly version: number;
  readonly publicKey: TeamPublicKey;
}

/** What kind of record a message-style ciphertext is; part of its associated data. */
export type MessageKind = 'message' | 'note' | 'attachment';
