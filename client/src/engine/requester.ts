// Worker-side requester operations: passphrase, keys, session signature, tickets, thread, reply.
import {
  createTicket,
  ticketSubmission,
  deriveRequesterKeys,
  generatePassphrase,
  newId,
  openRequesterWrap,
  sealMessage,
  signRequesterChallenge,
  teamPublicKeyOf,
  toB64,
  type FirstMessagePayload,
  type TicketKey,
} from '../../../protocol';
import type { Message, RequesterTicket } from '../api';
import type { RpcMethods } from '../rpc';
import { openForDisplay } from './display';
import { engine, EngineError, requireDesk, requireKeyLog, requireRequester } from './state';

type R<M extends keyof RpcMethods> = RpcMethods[M]['result'];

export function newPassphrase(): R<'generatePassphrase'> {
  return { passphrase: generatePassphrase() };
}

/** Argon2id over the passphrase; the keypairs stay here, the page gets the public halves. */
export function deriveKeys(passphrase: string): R<'deriveRequesterKeys'> {
  const keys = deriveRequesterKeys(passphrase, requireDesk());
  engine.requester = keys;
  engine.ticketKeys.clear();
  return { boxPk: toB64(keys.box.publicKey), signPk: toB64(keys.sign.publicKey) };
}

export function signChallenge(challenge: string): R<'signRequesterChallenge'> {
  return { sig: signRequesterChallenge(challenge, requireRequester().sign.secretKey) };
}

/** Seals a new ticket to the current team key from the VERIFIED log; K is kept here. */
export function sealNewTicket(params: RpcMethods['createTicket']['params']): R<'createTicket'> {
  const keys = requireRequester();
  // SECURITY: the team key comes only from the verified key log, never from the server directly;
  // a server that swapped it would have to forge an admin-signed log entry.
  const team = teamPublicKeyOf(requireKeyLog());
  const c = params.content;
  const payload: FirstMessagePayload = {
    v: 1,
    subject: c.subject,
    body: c.body,
    category: c.category,
    lang: c.lang,
    ...(c.contact ? { contact: c.contact } : {}),
  };
  const created = createTicket({ payload, requesterSignSk: keys.sign.secretKey, requesterBoxPk: keys.box.publicKey, team });
  engine.ticketKeys.set(created.ticketId, created.ticketKey);
  return ticketSubmission(created);
}

export function openMyTickets(tickets: RequesterTicket[]): R<'openMyTickets'> {
  const keys = requireRequester();
  const opened: string[] = [];
  const failed: string[] = [];
  for (const tk of tickets) {
    try {
      engine.ticketKeys.set(tk.ticketId, openRequesterWrap(tk.requesterWrap, keys.box));
      opened.push(tk.ticketId);
    } catch {
      failed.push(tk.ticketId);
    }
  }
  return { opened, failed };
}

export function openThread(ticketId: string, messages: Message[]): R<'openThread'> {
  const keys = requireRequester();
  const log = requireKeyLog();
  const key: TicketKey | null = engine.ticketKeys.get(ticketId) ?? null;
  const ownSignPk = toB64(keys.sign.publicKey);
  return {
    messages: messages
      // Requesters never receive notes; if a server sent one anyway it is not ours to show.
      .filter((m) => m.kind === 'message')
      .sort((a, b) => a.seq - b.seq)
      .map((m) => openForDisplay(ticketId, m, key, { kind: 'requester', ownSignPk }, log)),
  };
}

export function sealReply(ticketId: string, body: string, lang: string): R<'sealReply'> {
  const keys = requireRequester();
  const key = engine.ticketKeys.get(ticketId);
  if (!key) throw new EngineError('no_ticket_key', 'this ticket has not been opened');
  const messageId = newId();
  const envelope = sealMessage({ kind: 'message', ticketId, messageId, key, payload: { v: 1, body, lang }, authorSignSk: keys.sign.secretKey });
  return { messageId, envelope: { v: 1, nonce: envelope.nonce, ct: envelope.ct, sig: envelope.sig } };
}
