// Worker-side memory. SECURITY: this is where secret keys live — requester keypairs, the staff
// kek-derived keys, team keys and ticket keys. Nothing here is ever posted to the page; the
// page learns public keys, signatures, sealed envelopes and decrypted text only.
import type { IdentityKeys, KeyLogState, LabelKey, NoteKey, TeamKeyPair, TicketKey } from '../../../protocol';
import type { TeamWrap } from '../api';
import type { SearchDoc } from './staff-search';

export interface EngineState {
  deskId: string | null;
  keyLog: KeyLogState | null;
  requester: IdentityKeys | null;
  staff: { staffId: string; keys: IdentityKeys; kek: Uint8Array | null } | null;
  /** Team key pairs by version (staff only, opened from grants). */
  teamKeys: Map<number, TeamKeyPair>;
  /** Ticket keys K by ticket id. */
  ticketKeys: Map<string, TicketKey>;
  /** Requester sign public keys by ticket id (staff side, from the ticket record). */
  ticketRequesters: Map<string, string>;
  /** Note keys N by ticket id (staff only; never wrapped to a requester). */
  noteKeys: Map<string, NoteKey>;
  /**
   * Note wraps created here whose first note the server has not yet confirmed: sent again with the
   * next note until a ticket load returns the server's noteWrap (so N is never left unwrapped).
   */
  pendingNoteWraps: Map<string, TeamWrap>;
  /** Tickets whose server record carries a noteWrap (even one we could not open). */
  ticketsWithNoteWrap: Set<string>;
  /** Label key L of the current team key version, with that version (staff only). */
  labelKey: { version: number; key: LabelKey } | null;
  /** Decrypted label names by blind tag (staff only). */
  labelNames: Map<string, string>;
  /** Decrypted text of the tickets this technician has loaded, for in-browser search. */
  searchDocs: Map<string, SearchDoc>;
}

export const engine: EngineState = {
  deskId: null,
  keyLog: null,
  requester: null,
  staff: null,
  teamKeys: new Map(),
  ticketKeys: new Map(),
  ticketRequesters: new Map(),
  noteKeys: new Map(),
  pendingNoteWraps: new Map(),
  ticketsWithNoteWrap: new Set(),
  labelKey: null,
  labelNames: new Map(),
  searchDocs: new Map(),
};

/** Forgets every staff secret and every decrypted string (lock, re-login). */
export function clearStaffMemory(): void {
  engine.staff = null;
  engine.teamKeys.clear();
  engine.ticketKeys.clear();
  engine.ticketRequesters.clear();
  engine.noteKeys.clear();
  engine.pendingNoteWraps.clear();
  engine.ticketsWithNoteWrap.clear();
  engine.labelKey = null;
  engine.labelNames.clear();
  engine.searchDocs.clear();
}

export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export function requireDesk(): string {
  if (!engine.deskId) throw new EngineError('not_ready', 'desk not initialised');
  return engine.deskId;
}

export function requireKeyLog(): KeyLogState {
  if (!engine.keyLog) throw new EngineError('keylog_unverified', 'the key log has not been verified');
  return engine.keyLog;
}

export function requireRequester(): IdentityKeys {
  if (!engine.requester) throw new EngineError('no_keys', 'requester keys not derived');
  return engine.requester;
}
