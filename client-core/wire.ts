// TEMPORARY: the wire shapes the client core reads, until contract/ (branch arch-server) defines
// every HTTP shape in one place; then these become `import type … from '../contract'`.
// Types only: the core never calls the network, its callers (web app api.ts, cli/staff/api.ts) do.

export type B64 = string;

export interface MessageEnvelope {
  v: 1;
  nonce: B64;
  ct: B64;
  sig: B64;
}

export interface TeamWrap {
  teamKeyVersion: number;
  sealed: B64;
}

export type MessageAuthor = { type: 'requester' } | { type: 'staff'; staffId: string };

/** One thread record as the server lists it (messages and, for staff, notes). */
export interface Message {
  messageId: string;
  seq: number;
  kind: 'message' | 'note';
  author: MessageAuthor;
  envelope: MessageEnvelope;
  createdAt: number;
}

/** What the core needs of a ticket a staff member opens (a queue row, or a thread's ticket). */
export interface StaffTicketKeys {
  ticketId: string;
  requesterSignPk: B64;
  /** K sealed to a team key version; null when the server has none for this caller. */
  teamWrap: TeamWrap | null;
  /** N sealed to a team key version; null before the first internal note. */
  noteWrap: TeamWrap | null;
  /** Blind label tags, when the caller has them (queue rows). */
  labels?: readonly B64[];
}

/** A queue row (GET /api/staff/tickets): the ticket's keys and its first message. */
export interface QueueTicket extends StaffTicketKeys {
  teamWrap: TeamWrap;
  firstMessage: Message;
}

/** A requester's ticket list row (GET /api/tickets). */
export interface RequesterTicket {
  ticketId: string;
  requesterWrap: { sealed: B64 };
}

/** A grant as GET /api/staff/me returns it: a team key version's secret sealed to this member. */
export interface StaffGrant {
  teamKeyVersion: number;
  sealed: B64;
}

/** One entry of the encrypted label dictionary (GET /api/staff/labels). */
export interface LabelEntry {
  tag: B64;
  sealedName: { v: 1; nonce: B64; ct: B64 };
}

/** A staff account as GET /api/admin/staff lists it (keys null until activation). */
export interface StaffAccount {
  staffId: string;
  username: string;
  role: 'admin' | 'technician';
  status: string;
  boxPk: B64 | null;
  signPk: B64 | null;
}

/** A grant to upload (POST /api/admin/grants). */
export interface GrantUpload {
  staffId: string;
  teamKeyVersion: number;
  sealed: B64;
}

/** A wrap still sealed to an older team key version (GET /api/admin/rotation batch). */
export interface PendingWrap {
  ticketId: string;
  keyKind: 'ticket' | 'note';
  teamKeyVersion: number;
  sealed: B64;
}

/** A member GET /api/admin/rotation reports without a grant of the current version. */
export interface StaffWithoutGrant {
  staffId: string;
  username: string;
  boxPk: B64;
}
