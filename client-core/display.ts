// Opens one thread record (message or internal note) for display: who should have signed it,
// whether they did, then the plaintext. ONE status set for every client (browser and CLI):
//   own            the requester's own message, seen by the requester
//   verified       signed by the ticket's requester, or by a member the verified log lists as active
//   former_staff   signed by the key the log holds for a member it has since removed
//   bad            the signature does not verify against the author's key (forged, altered, moved
//                  between tickets or kinds), or a note claiming a requester author
//   unknown_author a staff author the verified log never held: nothing to verify against
// 'bad' and 'unknown_author' are red warnings; their content is never shown.
import { asSignPublicKey, isFirstMessage, openMessage, verifyMessageSignature, type KeyLogState, type NoteKey, type TicketKey } from '../protocol';
import type { Message, MessageAuthor } from '../contract';

export type SignatureStatus = 'verified' | 'own' | 'former_staff' | 'bad' | 'unknown_author';

/** Signature statuses shown as trustworthy; every other status is a red warning. */
export const TRUSTED_STATUSES: readonly SignatureStatus[] = ['verified', 'own', 'former_staff'];

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

export interface AuthorKey {
  signPk: string | null;
  /** What to show when the signature verifies. */
  okStatus: SignatureStatus;
}

/**
 * SECURITY: staff signatures are checked only against keys from the VERIFIED key log; an author
 * the log does not know is reported, never trusted. Removed members keep their logged key for the
 * messages they wrote, marked as former members.
 */
export function authorKey(author: MessageAuthor, viewer: Viewer, log: KeyLogState): AuthorKey {
  if (author.type === 'requester') {
    return viewer.kind === 'requester' ? { signPk: viewer.ownSignPk, okStatus: 'own' } : { signPk: viewer.requesterSignPk, okStatus: 'verified' };
  }
  const rec = log.staff.get(author.staffId);
  if (!rec) return { signPk: null, okStatus: 'unknown_author' };
  return { signPk: rec.signPk, okStatus: rec.active ? 'verified' : 'former_staff' };
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
  const author = authorKey(m.author, viewer, log);
  if (author.signPk === null) return hidden('unknown_author');
  const place = { ticketId, messageId: m.messageId, envelope: m.envelope, authorSignPk: asSignPublicKey(author.signPk) };
  // The status comes from the signature alone (it covers AD, nonce and ciphertext, so it needs no
  // key): a record that cannot even be parsed far enough to verify is not verified either.
  try {
    verifyMessageSignature({ ...place, kind: m.kind });
  } catch {
    // A forged, altered or moved record: say so loudly; its content is not shown.
    return hidden('bad');
  }
  if (key === null) return hidden(author.okStatus);
  try {
    if (m.kind === 'note') {
      const note = openMessage({ ...place, kind: 'note', key: key as NoteKey });
      return { ...base, signature: author.okStatus, body: note.body, decryptFailed: false };
    }
    const payload = openMessage({ ...place, kind: 'message', key: key as TicketKey });
    return isFirstMessage(payload)
      ? {
          ...base,
          signature: author.okStatus,
          subject: payload.subject,
          body: payload.body,
          category: payload.category,
          lang: payload.lang,
          ...(payload.contact ? { contact: payload.contact } : {}),
          decryptFailed: false,
        }
      : { ...base, signature: author.okStatus, body: payload.body, decryptFailed: false };
  } catch {
    // Signed by its author but not readable with this key: shown as signed, without text.
    return hidden(author.okStatus);
  }
}
