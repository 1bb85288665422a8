// A requester's client: passphrase, keys, session signature, a new ticket, their tickets and
// thread, a reply. The keypairs and every K stay in the vault; callers get public keys, a
// signature, sealed bodies and display text.
import {
  createTicket,
  deriveRequesterKeys,
  generatePassphrase,
  newId,
  openRequesterWrap,
  REQUESTER_KDF,
  sealMessage,
  signRequesterChallenge,
  teamPublicKeyOf,
  ticketSubmission,
  toB64,
  type B64,
  type FirstMessagePayload,
  type KdfParams,
  type TicketSubmission,
} from '../protocol';
import { openForDisplay, type DisplayMessage } from './display';
import { CoreError } from './errors';
import type { SealedRecord } from './staff';
import { requireDesk, requireKeyLog, requireRequester, type Vault } from './vault';
import type { Message, RequesterTicket } from '../contract';

export function newPassphrase(): string {
  return generatePassphrase();
}

/** Argon2id over the passphrase; the keypairs stay in the vault, the caller gets the public halves. */
export function unlockRequester(v: Vault, passphrase: string, kdf: KdfParams = REQUESTER_KDF): { boxPk: B64; signPk: B64 } {
  const keys = deriveRequesterKeys(passphrase, requireDesk(v), kdf);
  v.requester = keys;
  v.ticketKeys.clear();
  return { boxPk: toB64(keys.box.publicKey), signPk: toB64(keys.sign.publicKey) };
}

export function signSessionChallenge(v: Vault, challenge: string): { sig: B64 } {
  return { sig: signRequesterChallenge(challenge, requireRequester(v).sign.secretKey) };
}

/** What the requester types into the form; becomes the first message plaintext (SPEC §5). */
export interface NewTicketContent {
  subject: string;
  body: string;
  category: FirstMessagePayload['category'];
  contact?: string;
  lang: string;
}

/** Seals a new ticket to the current team key from the VERIFIED log; K is kept in the vault. */
export function sealNewTicket(v: Vault, c: NewTicketContent): TicketSubmission {
  const keys = requireRequester(v);
  // SECURITY: the team key comes only from the verified key log, never from the server directly;
  // a server that swapped it would have to forge an admin-signed log entry.
  const team = teamPublicKeyOf(requireKeyLog(v));
  const payload: FirstMessagePayload = { v: 1, subject: c.subject, body: c.body, category: c.category, lang: c.lang, ...(c.contact ? { contact: c.contact } : {}) };
  const created = createTicket({ payload, requesterSignSk: keys.sign.secretKey, requesterBoxPk: keys.box.publicKey, team });
  v.ticketKeys.set(created.ticketId, created.ticketKey);
  return ticketSubmission(created);
}

/** Opens K of each listed ticket from its requester wrap. */
export function openMyTickets(v: Vault, tickets: readonly Pick<RequesterTicket, 'ticketId' | 'requesterWrap'>[]): { opened: string[]; failed: string[] } {
  const keys = requireRequester(v);
  const opened: string[] = [];
  const failed: string[] = [];
  for (const tk of tickets) {
    try {
      v.ticketKeys.set(tk.ticketId, openRequesterWrap(tk.requesterWrap, keys.box));
      opened.push(tk.ticketId);
    } catch {
      failed.push(tk.ticketId);
    }
  }
  return { opened, failed };
}

export function openRequesterThread(v: Vault, ticketId: string, messages: readonly Message[]): DisplayMessage[] {
  const keys = requireRequester(v);
  const log = requireKeyLog(v);
  const key = v.ticketKeys.get(ticketId) ?? null;
  const viewer = { kind: 'requester', ownSignPk: toB64(keys.sign.publicKey) } as const;
  return (
    messages
      // Requesters never receive notes; if a server sent one anyway it is not ours to show.
      .filter((m) => m.kind === 'message')
      .sort((a, b) => a.seq - b.seq)
      .map((m) => openForDisplay(ticketId, m, key, viewer, log))
  );
}

/** A follow-up under K, signed by the requester. Who can decrypt: the requester and the team. */
export function sealRequesterReply(v: Vault, ticketId: string, body: string, lang: string): SealedRecord {
  const keys = requireRequester(v);
  const key = v.ticketKeys.get(ticketId);
  if (!key) throw new CoreError('no_ticket_key', 'this ticket has not been opened');
  const messageId = newId();
  return { messageId, envelope: sealMessage({ kind: 'message', ticketId, messageId, key, payload: { v: 1, body, lang }, authorSignSk: keys.sign.secretKey }) };
}
