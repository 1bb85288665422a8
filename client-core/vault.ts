// The client's memory. SECURITY: this is where secret keys live: the requester's keypairs, the
// staff kek (between derivation and unlock only), staff secret keys, team keys, ticket keys K and
// note keys N. Core functions take a vault explicitly; nothing lives in module globals, so the
// browser worker keeps exactly one vault (its memory, gone when the worker is terminated) and the
// CLI keeps one per command. No field of a vault is ever sent anywhere.
import type { IdentityKeys, Kek, KeyLogState, LabelKey, NoteKey, TeamKeyPair, TicketKey } from '../protocol';
import { CoreError } from './errors';
import type { SearchDoc } from './search';
import type { TeamWrap } from '../contract';

export interface StaffIdentity {
  staffId: string;
  keys: IdentityKeys;
}

export interface Vault {
  deskId: string | null;
  /** The key log as last verified (from genesis, against the pinned fingerprint). */
  keyLog: KeyLogState | null;
  requester: IdentityKeys | null;
  /** kek between deriveStaffLogin and unlockStaff; cleared by unlock and by lock. */
  pendingKek: Kek | null;
  staff: StaffIdentity | null;
  /** Team key pairs by version, opened from grants (or made here, for setup and rotation). */
  teamKeys: Map<number, TeamKeyPair>;
  /** A new team key whose `team-key` entry the server has not accepted yet (rotation). */
  pendingTeamKey: { version: number; pair: TeamKeyPair } | null;
  ticketKeys: Map<string, TicketKey>;
  /** N by ticket id (staff only; never wrapped to a requester). */
  noteKeys: Map<string, NoteKey>;
  /**
   * Note wraps made here whose first note the server has not confirmed yet: sent again with the
   * next note until a ticket load returns the server's noteWrap (so N is never left unwrapped).
   */
  pendingNoteWraps: Map<string, TeamWrap>;
  /** Tickets whose server record carries a noteWrap (even one this member cannot open). */
  ticketsWithNoteWrap: Set<string>;
  /** The desk label key L, opened from its wrap, with the key-log commitment it matched. */
  labelKey: { commit: string; key: LabelKey } | null;
  /** Decrypted label names by blind tag. */
  labelNames: Map<string, string>;
  /** Decrypted text of the tickets this member has opened, for local search. */
  searchDocs: Map<string, SearchDoc>;
}

export function createVault(deskId: string | null = null): Vault {
  return {
    deskId,
    keyLog: null,
    requester: null,
    pendingKek: null,
    staff: null,
    teamKeys: new Map(),
    pendingTeamKey: null,
    ticketKeys: new Map(),
    noteKeys: new Map(),
    pendingNoteWraps: new Map(),
    ticketsWithNoteWrap: new Set(),
    labelKey: null,
    labelNames: new Map(),
    searchDocs: new Map(),
  };
}

/** Forgets every staff secret and every decrypted string (lock, re-login). */
export function lockStaff(v: Vault): void {
  v.pendingKek = null;
  v.staff = null;
  v.teamKeys.clear();
  v.pendingTeamKey = null;
  v.ticketKeys.clear();
  v.noteKeys.clear();
  v.pendingNoteWraps.clear();
  v.ticketsWithNoteWrap.clear();
  v.labelKey = null;
  v.labelNames.clear();
  v.searchDocs.clear();
}

/** Forgets everything but the desk id and the verified log (a soft reset between users). */
export function wipeVault(v: Vault): void {
  v.requester = null;
  lockStaff(v);
}

export function requireDesk(v: Vault): string {
  if (!v.deskId) throw new CoreError('not_ready', 'desk not initialised');
  return v.deskId;
}

export function requireKeyLog(v: Vault): KeyLogState {
  if (!v.keyLog) throw new CoreError('keylog_unverified', 'the key log has not been verified');
  return v.keyLog;
}

export function requireRequester(v: Vault): IdentityKeys {
  if (!v.requester) throw new CoreError('no_keys', 'requester keys not derived');
  return v.requester;
}

export function requireStaff(v: Vault): StaffIdentity {
  if (!v.staff) throw new CoreError('locked', 'the console is locked');
  return v.staff;
}
