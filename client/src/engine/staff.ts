// Worker-side staff operations: derive secrets, open the key blob and grants, open the queue and
// tickets through the team key (K for the thread, N for internal notes), seal replies, search.
// The kek and every secret stay here; the page gets decrypted text and public data only.
import {
  asKek,
  asTeamPublicKey,
  deriveStaffSecrets,
  newId,
  openGrant,
  openStaffKeyBlob,
  openTeamWrap,
  sealMessage,
  toB64,
  type TicketKey,
} from '../../../protocol';
import type { Message, StaffTicket } from '../api';
import type { DisplayMessage, RpcMethods } from '../rpc';
import { openForDisplay } from './display';
import { openNoteForDisplay, openNoteKey } from './staff-notes';
import { searchTickets, type SearchText } from './staff-search';
import { clearStaffMemory, engine, EngineError, requireKeyLog } from './state';

type R<M extends keyof RpcMethods> = RpcMethods[M]['result'];

let pendingKek: Uint8Array | null = null;

/** Argon2id(password, salt): keeps kek here, hands out only authSecret for the login call. */
export function deriveSecrets(p: RpcMethods['staffDeriveSecrets']['params']): R<'staffDeriveSecrets'> {
  const { kek, authSecret } = deriveStaffSecrets(p.password, p.salt, { opslimit: p.opslimit, memlimit: p.memlimit });
  clearStaffMemory();
  pendingKek = kek;
  return { authSecret: toB64(authSecret) };
}

/** Opens the staff key blob with the kek, then every grant whose key the verified log publishes. */
export function unlock(p: RpcMethods['staffUnlock']['params']): R<'staffUnlock'> {
  if (!pendingKek) throw new EngineError('no_kek', 'derive the staff secrets first');
  const log = requireKeyLog();
  const keys = openStaffKeyBlob(p.keyBlob, asKek(pendingKek), p.staffId);
  // SECURITY: the blob must hold the keys the key log lists for this staff member; otherwise the
  // server could hand us keys of its choosing and read what we seal.
  const rec = log.staff.get(p.staffId);
  if (!rec || !rec.active || rec.signPk !== toB64(keys.sign.publicKey) || rec.boxPk !== toB64(keys.box.publicKey)) {
    throw new EngineError('keylog_invalid', 'these keys are not the ones in the key log for this account');
  }
  clearStaffMemory();
  engine.staff = { staffId: p.staffId, keys, kek: pendingKek };
  pendingKek = null;
  for (const g of p.grants) {
    const published = log.teamKeys.find((k) => k.version === g.teamKeyVersion);
    if (!published) continue; // a grant for a key the log does not know is ignored, not trusted
    engine.teamKeys.set(g.teamKeyVersion, openGrant(g.sealedKey, keys.box, asTeamPublicKey(published.boxPk)));
  }
  return { teamKeyVersions: [...engine.teamKeys.keys()].sort((a, b) => a - b) };
}

/** Staff names and roles as the VERIFIED key log states them (for assignee names and filters). */
export function directory(): R<'staffDirectory'> {
  const log = requireKeyLog();
  return {
    staff: [...log.staff.values()]
      .map((s) => ({ staffId: s.staffId, username: s.username, role: s.role, active: s.active }))
      .sort((a, b) => a.username.localeCompare(b.username)),
  };
}

function requireStaff(): void {
  if (!engine.staff) throw new EngineError('locked', 'the console is locked');
}

/** K from the ticket's team wrap, cached; null when we hold no grant for the wrap's version. */
function openTicketKey(ticket: StaffTicket): TicketKey | null {
  const cached = engine.ticketKeys.get(ticket.ticketId);
  if (cached) return cached;
  const team = engine.teamKeys.get(ticket.teamWrap.teamKeyVersion);
  if (!team) return null;
  try {
    const key = openTeamWrap(ticket.teamWrap, team, 'ticket');
    engine.ticketKeys.set(ticket.ticketId, key);
    return key;
  } catch {
    return null;
  }
}

function openThreadMessage(ticket: StaffTicket, m: Message, key: TicketKey | null): DisplayMessage {
  return openForDisplay(ticket.ticketId, m, key, { kind: 'staff', requesterSignPk: ticket.requesterSignPk }, requireKeyLog());
}

/** Remembers what was decrypted so the technician can search it (in this worker's memory only). */
function index(ticket: StaffTicket, messages: readonly DisplayMessage[]): void {
  const first = messages.find((m) => m.subject !== undefined && !m.decryptFailed);
  const texts: SearchText[] = [];
  for (const m of messages) {
    if (m.decryptFailed) continue;
    if (m.subject !== undefined) texts.push({ field: 'subject', text: m.subject });
    if (m.body !== '') texts.push({ field: m.kind === 'note' ? 'note' : 'message', text: m.body });
  }
  const previous = engine.searchDocs.get(ticket.ticketId);
  // The queue only decrypts the first message; keep the fuller thread text once it was opened.
  if (previous && previous.texts.length > texts.length) {
    engine.searchDocs.set(ticket.ticketId, { ...previous, tags: [...ticket.labels] });
    return;
  }
  engine.searchDocs.set(ticket.ticketId, {
    ticketId: ticket.ticketId,
    subject: first?.subject ?? null,
    category: first?.category ?? null,
    tags: [...ticket.labels],
    texts,
  });
}

/** Queue rows: subject and category from each ticket's first message, signature checked. */
export function openQueue(tickets: readonly StaffTicket[]): R<'staffOpenQueue'> {
  requireStaff();
  return {
    summaries: tickets.map((ticket) => {
      engine.ticketRequesters.set(ticket.ticketId, ticket.requesterSignPk);
      const m = openThreadMessage(ticket, ticket.firstMessage, openTicketKey(ticket));
      index(ticket, [m]);
      return {
        ticketId: ticket.ticketId,
        subject: m.subject ?? null,
        category: m.category ?? null,
        signature: m.signature,
        decryptFailed: m.decryptFailed,
      };
    }),
  };
}

/** The whole thread, replies and internal notes interleaved by sequence number. */
export function openTicket(ticket: StaffTicket, messages: Message[]): R<'staffOpenTicket'> {
  requireStaff();
  const key = openTicketKey(ticket);
  const noteKey = openNoteKey(ticket);
  engine.ticketRequesters.set(ticket.ticketId, ticket.requesterSignPk);
  const opened = [...messages]
    .sort((a, b) => a.seq - b.seq)
    .map((m) => (m.kind === 'note' ? openNoteForDisplay(ticket.ticketId, m, noteKey) : openThreadMessage(ticket, m, key)));
  index(ticket, opened);
  return { messages: opened, canWriteNotes: noteKey !== null || ticket.noteWrap === null };
}

export function sealReply(ticketId: string, body: string, lang: string): R<'staffSealReply'> {
  if (!engine.staff) throw new EngineError('locked', 'the console is locked');
  const key = engine.ticketKeys.get(ticketId);
  if (!key) throw new EngineError('no_ticket_key', 'this ticket has not been opened');
  const messageId = newId();
  const envelope = sealMessage({ kind: 'message', ticketId, messageId, key, payload: { v: 1, body, lang }, authorSignSk: engine.staff.keys.sign.secretKey });
  return { messageId, envelope: { v: 1, nonce: envelope.nonce, ct: envelope.ct, sig: envelope.sig } };
}

/** Search over what this worker has decrypted; the server cannot do this for us. */
export function search(p: RpcMethods['staffSearch']['params']): R<'staffSearch'> {
  requireStaff();
  return {
    hits: searchTickets(engine.searchDocs.values(), p.query, { labelNames: engine.labelNames, categoryNames: p.categoryNames }),
    searched: engine.searchDocs.size,
  };
}
