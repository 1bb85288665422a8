// SPEC §5: messages, notes and attachment metadata share one construction:
//   pt  = sodium_pad(utf8(JSON(payload)), 512)
//   ct  = XChaCha20-Poly1305(key, nonce, pt, AD)          AD = messageAd(kind, ticketId, messageId)
//   sig = Ed25519(authorSignSk, AD || nonce || ct)
// Who can decrypt: kind `message`/`attachment` → holders of K (requester and staff via the team
// key); kind `note` → holders of N (staff only).
import { AEAD_NONCE_BYTES, SIGNATURE_BYTES } from './constants';
import { concatBytes, fromB64, fromUtf8, toB64, utf8 } from './encoding';
import { parseMessageEnvelope, parseVersioned, type MessageEnvelope, type VersionTable } from './envelope';
import { FormatError, SignatureError } from './errors';
import { messageAd } from './aad';
import { padPlaintext, unpadPlaintext } from './padding';
import { MESSAGE_PAYLOAD, NOTE_PAYLOAD, type MessagePayload, type NotePayload } from './payloads';
import { aeadDecrypt, aeadEncrypt, randomBytes, signDetached, verifyDetached } from './primitives';
import type { MessageKind, NoteKey, SignPublicKey, SignSecretKey, TicketKey } from './types';

interface Place {
  readonly ticketId: string;
  readonly messageId: string;
}

export type SealMessageInput = Place &
  ({ kind: 'message'; key: TicketKey; payload: MessagePayload; authorSignSk: SignSecretKey } | { kind: 'note'; key: NoteKey; payload: NotePayload; authorSignSk: SignSecretKey });

export type OpenMessageInput = Place & { envelope: unknown; authorSignPk: SignPublicKey } & ({ kind: 'message'; key: TicketKey } | { kind: 'note'; key: NoteKey });

/** @internal The construction with every input explicit. Exported for known-answer vectors only. */
export function sealRecordWithNonce<T>(
  table: VersionTable<T>,
  kind: MessageKind,
  place: Place,
  key: Uint8Array,
  payload: T,
  authorSignSk: SignSecretKey,
  nonce: Uint8Array,
): MessageEnvelope {
  // Validate what we seal with the same schema readers use, so we never produce a record that
  // every other client would reject.
  const checked = parseVersioned(table, payload, `${kind} payload`);
  const ad = messageAd(kind, place.ticketId, place.messageId);
  const ct = aeadEncrypt(padPlaintext(utf8(JSON.stringify(checked))), ad, nonce, key);
  const sig = signDetached(concatBytes(ad, nonce, ct), authorSignSk);
  return { v: 1, nonce: toB64(nonce), ct: toB64(ct), sig: toB64(sig) };
}

export function sealRecord<T>(table: VersionTable<T>, kind: MessageKind, place: Place, key: Uint8Array, payload: T, authorSignSk: SignSecretKey): MessageEnvelope {
  return sealRecordWithNonce(table, kind, place, key, payload, authorSignSk, randomBytes(AEAD_NONCE_BYTES));
}

interface DecodedEnvelope {
  readonly ad: Uint8Array;
  readonly nonce: Uint8Array;
  readonly ct: Uint8Array;
}

function checkSignature(kind: MessageKind, place: Place, envelope: unknown, authorSignPk: SignPublicKey): DecodedEnvelope {
  const env = parseMessageEnvelope(envelope);
  const ad = messageAd(kind, place.ticketId, place.messageId);
  const nonce = fromB64(env.nonce, AEAD_NONCE_BYTES);
  const ct = fromB64(env.ct);
  const sig = fromB64(env.sig, SIGNATURE_BYTES);
  if (!verifyDetached(sig, concatBytes(ad, nonce, ct), authorSignPk)) throw new SignatureError();
  return { ad, nonce, ct };
}

export function openRecord<T>(table: VersionTable<T>, kind: MessageKind, place: Place, key: Uint8Array, envelope: unknown, authorSignPk: SignPublicKey): T {
  // SECURITY: the signature is checked before decryption, so a forged or moved record is reported
  // as a forgery (red warning in the UI) and never reaches the JSON parser.
  const { ad, nonce, ct } = checkSignature(kind, place, envelope, authorSignPk);
  const padded = aeadDecrypt(ct, ad, nonce, key);
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(unpadPlaintext(padded)));
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new FormatError(`${kind} plaintext is not JSON`);
  }
  return parseVersioned(table, json, `${kind} payload`);
}

const tableFor = (kind: 'message' | 'note') => (kind === 'message' ? MESSAGE_PAYLOAD : NOTE_PAYLOAD);

/** Seals a thread message (under K) or an internal note (under N), signed by its author. */
export function sealMessage(input: SealMessageInput): MessageEnvelope {
  const table = tableFor(input.kind) as VersionTable<MessagePayload | NotePayload>;
  return sealRecord(table, input.kind, input, input.key, input.payload, input.authorSignSk);
}

/** Verifies the author's signature first (SignatureError), then decrypts (DecryptError) and parses. */
export function openMessage(input: OpenMessageInput & { kind: 'message' }): MessagePayload;
export function openMessage(input: OpenMessageInput & { kind: 'note' }): NotePayload;
export function openMessage(input: OpenMessageInput): MessagePayload | NotePayload {
  const table = tableFor(input.kind) as VersionTable<MessagePayload | NotePayload>;
  return openRecord(table, input.kind, input, input.key, input.envelope, input.authorSignPk);
}

/**
 * Signature check without the key: what the server runs before storing a message, so a record
 * that would show as forged in every client is refused at the door (400 bad_signature).
 */
export function verifyMessageSignature(input: Place & { kind: MessageKind; envelope: unknown; authorSignPk: SignPublicKey }): void {
  checkSignature(input.kind, input, input.envelope, input.authorSignPk);
}
