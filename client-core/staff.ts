// A staff member's client: unlock (derive the secrets, open the key blob, compare it with the
// VERIFIED key log, open the grants), the queue and threads through the team key (K for the thread,
// N for internal notes), replies and notes, and search over what was decrypted. The kek and every
// secret stay in the vault; callers get authSecret (for login), sealed values and display text.
import {
  asTeamPublicKey,
  deriveStaffSecrets,
  newId,
  newNoteKey,
  openGrant,
  openStaffKeyBlob,
  openTeamWrap,
  sealMessage,
  teamPublicKeyOf,
  toB64,
  wrapKeyForTeam,
  type B64,
  type NoteKey,
  type StaffRole,
  type TicketKey,
} from '../protocol';
import { openForDisplay, type DisplayMessage, type SignatureStatus } from './display';
import { CoreError } from './errors';
import { openDeskLabelKey } from './labels';
import { searchTickets, type SearchHit, type SearchText } from './search';
import { lockStaff, requireKeyLog, requireStaff, type Vault } from './vault';
import type { Envelope, Grant, Message, StaffThread, StaffTicket, TeamWrap } from '../contract';

/** What the core needs of a ticket a staff member opens: a queue row or a staff thread's ticket. */
export type StaffTicketKeys = Pick<StaffThread['ticket'], 'ticketId' | 'requesterSignPk' | 'teamWrap' | 'noteWrap'> & { labels?: readonly string[] };
/** What the core needs of a queue row: the ticket's keys and its first message. */
export type QueueTicket = Pick<StaffTicket, 'ticketId' | 'requesterSignPk' | 'teamWrap' | 'noteWrap' | 'labels' | 'firstMessage'>;

/** Argon2id(password, salt): keeps kek in the vault, hands out only authSecret for the login call. */
export function deriveStaffLogin(v: Vault, p: { password: string; salt: string; opslimit: number; memlimit: number }): { authSecret: B64 } {
  const { kek, authSecret } = deriveStaffSecrets(p.password, p.salt, { opslimit: p.opslimit, memlimit: p.memlimit });
  lockStaff(v);
  v.pendingKek = kek;
  return { authSecret: toB64(authSecret) };
}

/**
 * Opens the key blob with the kek and every grant the verified log allows.
 *
 * Rule for grants (one rule, browser and CLI): a grant is opened only for a team key version the
 * verified log publishes and has NOT retired, and only if it opens to exactly the public key the
 * log publishes for that version. Grants for unknown or retired versions are ignored, not trusted:
 * after `team-key-retire` every wrap has moved to a newer version (the server deletes the old
 * grants and wraps), so a retired key can only widen what a stolen old key would expose, and it
 * must never be used to seal.
 */
export function unlockStaff(
  v: Vault,
  p: { staffId: string; keyBlob: unknown; grants: readonly Grant[]; labelKeyWraps?: readonly Grant[] },
): { teamKeyVersions: number[]; labels: boolean } {
  const kek = v.pendingKek;
  if (!kek) throw new CoreError('no_kek', 'derive the staff secrets first');
  const log = requireKeyLog(v);
  const keys = openStaffKeyBlob(p.keyBlob, kek, p.staffId);
  // SECURITY: the blob must hold the keys the key log lists for this member; otherwise the server
  // could hand us keys of its choosing and read what we seal. The blob opened under this member's
  // own kek (AEAD, AD binds the staffId), so it holds the keys this member enrolled with: a log
  // that does not list exactly them means no admin has vouched for them yet (a new member, or a
  // re-enrolment before its staff-add), not tampering. Nothing is unlocked either way.
  const rec = log.staff.get(p.staffId);
  if (!rec || !rec.active || rec.signPk !== toB64(keys.sign.publicKey) || rec.boxPk !== toB64(keys.box.publicKey)) {
    throw new CoreError('awaiting_admission', 'not admitted yet: waiting for an admin to admit you');
  }
  lockStaff(v);
  v.staff = { staffId: p.staffId, keys };
  for (const g of p.grants) {
    const published = log.teamKeys.find((k) => k.version === g.teamKeyVersion && !k.retired);
    if (!published) continue;
    v.teamKeys.set(g.teamKeyVersion, openGrant(g.sealed, keys.box, asTeamPublicKey(published.boxPk)));
  }
  const labels = openDeskLabelKey(v, p.labelKeyWraps ?? []);
  return { teamKeyVersions: [...v.teamKeys.keys()].sort((a, b) => a - b), labels };
}

/** A staff member as the verified key log names them (public data). */
export interface StaffDirectoryEntry {
  staffId: string;
  username: string;
  role: StaffRole;
  active: boolean;
}

/** Staff names and roles as the VERIFIED key log states them (assignee names, filters). */
export function staffDirectory(v: Vault): StaffDirectoryEntry[] {
  return [...requireKeyLog(v).staff.values()]
    .map((s) => ({ staffId: s.staffId, username: s.username, role: s.role, active: s.active }))
    .sort((a, b) => a.username.localeCompare(b.username));
}

/** K from the ticket's team wrap, cached; null when we hold no grant for the wrap's version. */
function openTicketKey(v: Vault, ticket: StaffTicketKeys): TicketKey | null {
  const cached = v.ticketKeys.get(ticket.ticketId);
  if (cached) return cached;
  if (!ticket.teamWrap) return null;
  const team = v.teamKeys.get(ticket.teamWrap.teamKeyVersion);
  if (!team) return null;
  try {
    const key = openTeamWrap(ticket.teamWrap, team, 'ticket');
    v.ticketKeys.set(ticket.ticketId, key);
    return key;
  } catch {
    return null;
  }
}

/** N from the ticket's noteWrap when we hold that team key version; null if not (or no notes yet). */
function openNoteKey(v: Vault, ticket: StaffTicketKeys): NoteKey | null {
  if (ticket.noteWrap === null) return v.noteKeys.get(ticket.ticketId) ?? null;
  v.ticketsWithNoteWrap.add(ticket.ticketId);
  // The server's wrap wins over one we made: if two technicians raced to write the first note,
  // the server kept one N and everyone must use it.
  v.pendingNoteWraps.delete(ticket.ticketId);
  v.noteKeys.delete(ticket.ticketId);
  const team = v.teamKeys.get(ticket.noteWrap.teamKeyVersion);
  if (!team) return null;
  try {
    const key = openTeamWrap(ticket.noteWrap, team, 'note');
    v.noteKeys.set(ticket.ticketId, key);
    return key;
  } catch {
    return null;
  }
}

/** Remembers what was decrypted so the member can search it (in this vault only). */
function index(v: Vault, ticket: StaffTicketKeys, messages: readonly DisplayMessage[]): void {
  const first = messages.find((m) => m.subject !== undefined && !m.decryptFailed);
  const texts: SearchText[] = [];
  for (const m of messages) {
    if (m.decryptFailed) continue;
    if (m.subject !== undefined) texts.push({ field: 'subject', text: m.subject });
    if (m.body !== '') texts.push({ field: m.kind === 'note' ? 'note' : 'message', text: m.body });
  }
  const tags = [...(ticket.labels ?? v.searchDocs.get(ticket.ticketId)?.tags ?? [])];
  const previous = v.searchDocs.get(ticket.ticketId);
  // The queue only decrypts the first message; keep the fuller thread text once it was opened.
  if (previous && previous.texts.length > texts.length) {
    v.searchDocs.set(ticket.ticketId, { ...previous, tags });
    return;
  }
  v.searchDocs.set(ticket.ticketId, { ticketId: ticket.ticketId, subject: first?.subject ?? null, category: first?.category ?? null, tags, texts });
}

/** One queue row's decrypted part. */
export interface QueueSummary {
  ticketId: string;
  subject: string | null;
  category: string | null;
  /** The reply language the requester asked for, read from inside the encrypted first message. */
  lang: string | null;
  signature: SignatureStatus;
  decryptFailed: boolean;
}

/** Queue rows: subject and category from each ticket's first message, signature checked. */
export function openQueue(v: Vault, tickets: readonly QueueTicket[]): QueueSummary[] {
  requireStaff(v);
  const log = requireKeyLog(v);
  return tickets.map((ticket) => {
    const m = openForDisplay(ticket.ticketId, ticket.firstMessage, openTicketKey(v, ticket), { kind: 'staff', requesterSignPk: ticket.requesterSignPk }, log);
    index(v, ticket, [m]);
    return { ticketId: ticket.ticketId, subject: m.subject ?? null, category: m.category ?? null, lang: m.lang ?? null, signature: m.signature, decryptFailed: m.decryptFailed };
  });
}

export interface StaffThreadView {
  /** Messages and internal notes, interleaved by sequence number. */
  messages: DisplayMessage[];
  /** False when the ticket's N is sealed to a team key this member lacks (a second N would split the notes). */
  canWriteNotes: boolean;
}

/** The whole thread as a staff member sees it. */
export function openStaffThread(v: Vault, ticket: StaffTicketKeys, messages: readonly Message[]): StaffThreadView {
  requireStaff(v);
  const log = requireKeyLog(v);
  const key = openTicketKey(v, ticket);
  const noteKey = openNoteKey(v, ticket);
  const viewer = { kind: 'staff', requesterSignPk: ticket.requesterSignPk } as const;
  const opened = [...messages].sort((a, b) => a.seq - b.seq).map((m) => openForDisplay(ticket.ticketId, m, m.kind === 'note' ? noteKey : key, viewer, log));
  index(v, ticket, opened);
  return { messages: opened, canWriteNotes: noteKey !== null || ticket.noteWrap === null };
}

export interface SealedRecord {
  messageId: string;
  envelope: Envelope;
}

/** A reply to the requester under K, signed by this member. Who can decrypt: the requester and the team. */
export function sealStaffReply(v: Vault, ticketId: string, body: string, lang?: string): SealedRecord {
  const me = requireStaff(v);
  const key = v.ticketKeys.get(ticketId);
  if (!key) throw new CoreError('no_ticket_key', 'this ticket has not been opened (or you hold no grant for its team key)');
  const messageId = newId();
  const envelope = sealMessage({ kind: 'message', ticketId, messageId, key, payload: { v: 1, body, ...(lang ? { lang } : {}) }, authorSignSk: me.keys.sign.secretKey });
  return { messageId, envelope };
}

/**
 * An internal note under N (SPEC §5). Who can decrypt: staff holding a grant of the team key
 * version N is wrapped to; never the requester (N is never wrapped to a requester key, and notes
 * are AEAD-bound to kind "note"). The first note of a ticket creates N and wraps it to the CURRENT
 * team key from the verified log; the caller posts that wrap with the note.
 */
export function sealNote(v: Vault, ticketId: string, body: string): SealedRecord & { noteWrap?: TeamWrap } {
  const me = requireStaff(v);
  let key = v.noteKeys.get(ticketId);
  let noteWrap = v.pendingNoteWraps.get(ticketId);
  if (!key) {
    if (!v.ticketKeys.has(ticketId)) throw new CoreError('no_ticket_key', 'this ticket has not been opened');
    // SECURITY: the ticket already has an N we cannot open (no grant for its version). Making a
    // second N would split the notes into two sets nobody can read together.
    if (v.ticketsWithNoteWrap.has(ticketId)) throw new CoreError('no_note_key', 'the notes of this ticket are sealed to a team key you do not hold');
    key = newNoteKey();
    // SECURITY: the team key comes from the verified log only, never from the server directly.
    const wrap = wrapKeyForTeam(key, teamPublicKeyOf(requireKeyLog(v)));
    noteWrap = { teamKeyVersion: wrap.teamKeyVersion, sealed: wrap.sealed };
    v.noteKeys.set(ticketId, key);
    v.pendingNoteWraps.set(ticketId, noteWrap);
  }
  const messageId = newId();
  const envelope = sealMessage({ kind: 'note', ticketId, messageId, key, payload: { v: 1, body }, authorSignSk: me.keys.sign.secretKey });
  return { messageId, envelope, ...(noteWrap ? { noteWrap } : {}) };
}

/** Search over what this vault has decrypted; the server cannot do this for us. */
export function searchOpened(v: Vault, query: string, categoryNames?: Readonly<Record<string, string>>): { hits: SearchHit[]; searched: number } {
  requireStaff(v);
  return { hits: searchTickets(v.searchDocs.values(), query, { labelNames: v.labelNames, categoryNames }), searched: v.searchDocs.size };
}
