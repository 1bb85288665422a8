// Worker-side memory. SECURITY: this is where secret keys live — requester keypairs, the staff
// kek-derived keys, team keys and ticket keys. Nothing here is ever posted to the page; the
// page learns public keys, signatures, sealed envelopes and decrypted text only.
import type { IdentityKeys, KeyLogState, TeamKeyPair, TicketKey } from '../../../protocol';

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
}

export const engine: EngineState = {
  deskId: null,
  keyLog: null,
  requester: null,
  staff: null,
  teamKeys: new Map(),
  ticketKeys: new Map(),
  ticketRequesters: new Map(),
};

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
