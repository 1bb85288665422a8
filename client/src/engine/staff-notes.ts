// Worker-side internal notes (SPEC §5): a second per-ticket key N, sealed ONLY to the team key.
// Who can decrypt a note: staff holding a grant of the team key version N is wrapped to. Never
// the requester: N is never wrapped to a requester key, and notes are AEAD-bound to kind "note".
import {
  asSignPublicKey,
  newId,
  newNoteKey,
  openMessage,
  openTeamWrap,
  sealMessage,
  SignatureError,
  teamPublicKeyOf,
  wrapKeyForTeam,
  type NoteKey,
} from '../../../protocol';
import type { Message, StaffTicket, TeamWrap } from '../api';
import type { DisplayMessage, RpcMethods } from '../rpc';
import { authorKey } from './display';
import { engine, EngineError, requireKeyLog } from './state';

type R<M extends keyof RpcMethods> = RpcMethods[M]['result'];

/** Opens N from the ticket's noteWrap when we hold that team key version. Returns null if not. */
export function openNoteKey(ticket: StaffTicket): NoteKey | null {
  if (ticket.noteWrap === null) return engine.noteKeys.get(ticket.ticketId) ?? null;
  engine.ticketsWithNoteWrap.add(ticket.ticketId);
  // The server's wrap wins over one we made: if two technicians raced to write the first note,
  // the server kept one N and everyone must use it.
  engine.pendingNoteWraps.delete(ticket.ticketId);
  const team = engine.teamKeys.get(ticket.noteWrap.teamKeyVersion);
  if (!team) {
    engine.noteKeys.delete(ticket.ticketId);
    return null;
  }
  try {
    const key = openTeamWrap(ticket.noteWrap, team, 'note');
    engine.noteKeys.set(ticket.ticketId, key);
    return key;
  } catch {
    engine.noteKeys.delete(ticket.ticketId);
    return null;
  }
}

/** A note for display: author must be a staff member from the verified log; signature first. */
export function openNoteForDisplay(ticketId: string, m: Message, key: NoteKey | null): DisplayMessage {
  const base = { messageId: m.messageId, seq: m.seq, kind: 'note' as const, author: m.author, createdAt: m.createdAt };
  // SECURITY: only staff write notes. A "note" claiming a requester author is a forgery by the server.
  if (m.author.type !== 'staff') return { ...base, signature: 'bad', body: '', decryptFailed: true };
  const author = authorKey(m, { kind: 'staff', requesterSignPk: null }, requireKeyLog());
  if (author.signPk === null) return { ...base, signature: 'unknown_author', body: '', decryptFailed: true };
  if (key === null) return { ...base, signature: author.okStatus, body: '', decryptFailed: true };
  try {
    const payload = openMessage({ kind: 'note', ticketId, messageId: m.messageId, envelope: m.envelope, key, authorSignPk: asSignPublicKey(author.signPk) });
    return { ...base, signature: author.okStatus, body: payload.body, decryptFailed: false };
  } catch (err) {
    if (err instanceof SignatureError) return { ...base, signature: 'bad', body: '', decryptFailed: true };
    return { ...base, signature: author.okStatus, body: '', decryptFailed: true };
  }
}

/**
 * Seals an internal note. On the first note of a ticket this creates N and wraps it to the
 * CURRENT team key from the verified log; the page sends that wrap with the note.
 */
export function sealNote(ticketId: string, body: string): R<'staffSealNote'> {
  if (!engine.staff) throw new EngineError('locked', 'the console is locked');
  let key = engine.noteKeys.get(ticketId);
  let noteWrap: TeamWrap | undefined = engine.pendingNoteWraps.get(ticketId);
  if (!key) {
    if (!engine.ticketKeys.has(ticketId)) throw new EngineError('no_ticket_key', 'this ticket has not been opened');
    // SECURITY: the ticket already has an N we cannot open (no grant for its version). Making a
    // second N would split the notes into two sets nobody can read together.
    if (engine.ticketsWithNoteWrap.has(ticketId)) throw new EngineError('no_note_key', 'the notes of this ticket are sealed to a team key you do not hold');
    key = newNoteKey();
    // SECURITY: the team key comes from the verified log only, never from the server directly.
    const wrap = wrapKeyForTeam(key, teamPublicKeyOf(requireKeyLog()));
    noteWrap = { teamKeyVersion: wrap.teamKeyVersion, sealed: wrap.sealed };
    engine.noteKeys.set(ticketId, key);
    engine.pendingNoteWraps.set(ticketId, noteWrap);
  }
  const messageId = newId();
  const envelope = sealMessage({ kind: 'note', ticketId, messageId, key, payload: { v: 1, body }, authorSignSk: engine.staff.keys.sign.secretKey });
  return {
    messageId,
    envelope: { v: 1, nonce: envelope.nonce, ct: envelope.ct, sig: envelope.sig },
    ...(noteWrap ? { noteWrap } : {}),
  };
}
