// Opens one thread record (message or internal note) for display: who should have signed it,
// whether they did, then the plaintext. ONE status set for every client (browser and CLI):
//   own            the requester's own message, seen by the requester
//   verified       signed by the ticket's requester, or with the current key of an active member
//   former_key     signed with a key an active member held before a re-enrolment (PROTOCOL §6.1)
//   former_member  signed with any key of a member the log has since removed
//   bad            the signature does not verify against any key the log vouched for this author
//                  (forged, altered, moved between tickets or kinds), or a note claiming a requester author
//   unknown_author a staff author the verified log never held: nothing to verify against
// 'bad' and 'unknown_author' are red warnings; their content is never shown.
import {
  asSignPublicKey,
  identifyStaffSigner,
  isFirstMessage,
  openMessage,
  verifyMessageSignature,
  type KeyLogState,
  type MessageKind,
  type NoteKey,
  type TicketKey,
} from '../protocol';
import type { Message, MessageAuthor } from '../contract';

export type SignatureStatus = 'verified' | 'own' | 'former_key' | 'former_member' | 'bad' | 'unknown_author';

/** Signature statuses shown as trustworthy (former_key / former_member with their mark); every other status is a red warning. */
export const TRUSTED_STATUSES: readonly SignatureStatus[] = ['verified', 'own', 'former_key', 'former_member'];

export interface DisplayMessage {
  messageId: string;
  seq: number;
  kind: 'message' | 'note';
  author: MessageAuthor;
  createdAt: number;
  signature: SignatureStatus;
  /** Decrypted text; empty when it could not be shown (decryptFailed is then true). */
  subject?: string;
  category?: string;
  contact?: string;
  /** The requester's language, on the first message. */
  lang?: string;
  body: string;
  decryptFailed: boolean;
}

/** Who reads: a requester (their own key signs their messages) or staff (the ticket's requester key). */
export type Viewer = { kind: 'requester'; ownSignPk: string } | { kind: 'staff'; requesterSignPk: string };

/**
 * Which key signed the record (a message, note or attachment metadata) and what that means, or the red status when none of the keys fits.
 * SECURITY: staff signatures are checked only against keys from the VERIFIED key log
 * (classifyStaffSigner: the current key, then earlier keys newest first); an author the log does
 * not know is reported, never trusted. The signature covers AD, nonce and ciphertext, so this
 * needs no key; a record that cannot even be parsed far enough to verify is not verified either.
 */
export function signatureStatusOf(
  place: { kind: MessageKind; ticketId: string; messageId: string; envelope: unknown },
  author: MessageAuthor,
  viewer: Viewer,
  log: KeyLogState,
): { status: SignatureStatus; signPk: string | null } {
  if (author.type === 'requester') {
    const signPk = viewer.kind === 'requester' ? viewer.ownSignPk : viewer.requesterSignPk;
    try {
      verifyMessageSignature({ ...place, authorSignPk: asSignPublicKey(signPk) });
      return { status: viewer.kind === 'requester' ? 'own' : 'verified', signPk };
    } catch {
      return { status: 'bad', signPk: null };
    }
  }
  if (!log.staff.has(author.staffId)) return { status: 'unknown_author', signPk: null };
  try {
    const signer = identifyStaffSigner(log, { ...place, staffId: author.staffId });
    return signer === null ? { status: 'bad', signPk: null } : { status: signer.status, signPk: signer.signPk };
  } catch {
    return { status: 'bad', signPk: null };
  }
}

/**
 * One record for display. `key` is K for a message, N for a note, or null when this reader holds
 * no key for it: the signature is then still checked (it covers the ciphertext), only the text is
 * missing.
 */
export function openForDisplay(ticketId: string, m: Message, key: TicketKey | NoteKey | null, viewer: Viewer, log: KeyLogState): DisplayMessage {
  const base = { messageId: m.messageId, seq: m.seq, kind: m.kind, author: m.author, createdAt: m.createdAt };
  const hidden = (signature: SignatureStatus): DisplayMessage => ({ ...base, signature, body: '', decryptFailed: true });
  // SECURITY: only staff write notes. A "note" claiming a requester author is a forgery by the server.
  if (m.kind === 'note' && m.author.type !== 'staff') return hidden('bad');
  const author = signatureStatusOf({ kind: m.kind, ticketId, messageId: m.messageId, envelope: m.envelope }, m.author, viewer, log);
  // A forged, altered or moved record, or an unknown author: say so loudly; its content is not shown.
  if (author.signPk === null) return hidden(author.status);
  const place = { ticketId, messageId: m.messageId, envelope: m.envelope, authorSignPk: asSignPublicKey(author.signPk) };
  const okStatus = author.status;
  if (key === null) return hidden(okStatus);
  try {
    if (m.kind === 'note') {
      const note = openMessage({ ...place, kind: 'note', key: key as NoteKey });
      return { ...base, signature: okStatus, body: note.body, decryptFailed: false };
    }
    const payload = openMessage({ ...place, kind: 'message', key: key as TicketKey });
    return isFirstMessage(payload)
      ? {
          ...base,
          signature: okStatus,
          subject: payload.subject,
          body: payload.body,
          category: payload.category,
          lang: payload.lang,
          ...(payload.contact ? { contact: payload.contact } : {}),
          decryptFailed: false,
        }
      : { ...base, signature: okStatus, body: payload.body, decryptFailed: false };
  } catch {
    // Signed by its author but not readable with this key: shown as signed, without text.
    return hidden(okStatus);
  }
}
