// Opens one thread message for display: signature against the right author key, then decrypt.
import {
  asSignPublicKey,
  isFirstMessage,
  openMessage,
  SignatureError,
  type KeyLogState,
  type TicketKey,
} from '../../../protocol';
import type { Message } from '../api';
import type { DisplayMessage, SignatureStatus } from '../rpc';

export type Viewer = { kind: 'requester'; ownSignPk: string } | { kind: 'staff'; requesterSignPk: string | null };

export interface AuthorKey {
  signPk: string | null;
  /** What to show when the signature verifies. */
  okStatus: SignatureStatus;
}

/**
 * SECURITY: staff signatures are checked only against keys from the VERIFIED key log; an author
 * the log does not know is reported, never trusted. Removed staff keep their key for old messages
 * but are marked as former members.
 */
export function authorKey(m: Message, viewer: Viewer, log: KeyLogState): AuthorKey {
  if (m.author.type === 'requester') {
    const pk = viewer.kind === 'requester' ? viewer.ownSignPk : viewer.requesterSignPk;
    return { signPk: pk, okStatus: viewer.kind === 'requester' ? 'own' : 'verified' };
  }
  const rec = log.staff.get(m.author.staffId);
  if (!rec) return { signPk: null, okStatus: 'unknown_author' };
  return { signPk: rec.signPk, okStatus: rec.active ? 'verified' : 'former_staff' };
}

export function openForDisplay(ticketId: string, m: Message, key: TicketKey | null, viewer: Viewer, log: KeyLogState): DisplayMessage {
  const base = { messageId: m.messageId, seq: m.seq, kind: m.kind, author: m.author, createdAt: m.createdAt };
  const author = authorKey(m, viewer, log);
  if (author.signPk === null) return { ...base, signature: 'unknown_author', body: '', decryptFailed: true };
  if (key === null) return { ...base, signature: author.okStatus, body: '', decryptFailed: true };
  try {
    const payload = openMessage({
      kind: 'message',
      ticketId,
      messageId: m.messageId,
      envelope: m.envelope,
      key,
      authorSignPk: asSignPublicKey(author.signPk),
    });
    return isFirstMessage(payload)
      ? { ...base, signature: author.okStatus, subject: payload.subject, body: payload.body, category: payload.category, contact: payload.contact, decryptFailed: false }
      : { ...base, signature: author.okStatus, body: payload.body, decryptFailed: false };
  } catch (err) {
    // A forged, altered or moved record: say so loudly; its content is not shown.
    if (err instanceof SignatureError) return { ...base, signature: 'bad', body: '', decryptFailed: true };
    return { ...base, signature: author.okStatus, body: '', decryptFailed: true };
  }
}
