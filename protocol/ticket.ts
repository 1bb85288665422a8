// SPEC §5 ticket creation, as the requester's client runs it.
import type { B64 } from './encoding';
import type { MessageEnvelope } from './envelope';
import { newId, newTicketKey } from './keys';
import { sealMessage } from './message';
import type { FirstMessagePayload } from './payloads';
import type { BoxPublicKey, SignSecretKey, TeamPublicKeyVersion, TicketKey } from './types';
import { wrapKeyForRequester, wrapKeyForTeam, type RequesterWrap, type TeamWrap } from './wrap';

export interface CreateTicketInput {
  readonly payload: FirstMessagePayload;
  readonly requesterSignSk: SignSecretKey;
  readonly requesterBoxPk: BoxPublicKey;
  /** The current team key from the verified key log. */
  readonly team: TeamPublicKeyVersion;
}

export interface CreatedTicket {
  readonly ticketId: B64;
  readonly messageId: B64;
  /** K: keep in memory to seal later messages and attachment metadata; never send it. */
  readonly ticketKey: TicketKey;
  readonly message: MessageEnvelope;
  readonly teamWrap: TeamWrap;
  readonly requesterWrap: RequesterWrap;
}

/** New ids, a fresh K, the signed first message, and K sealed to the team and to the requester. */
export function createTicket(input: CreateTicketInput): CreatedTicket {
  const ticketId = newId();
  const messageId = newId();
  const ticketKey = newTicketKey();
  const message = sealMessage({
    kind: 'message',
    ticketId,
    messageId,
    key: ticketKey,
    payload: input.payload,
    authorSignSk: input.requesterSignSk,
  });
  return {
    ticketId,
    messageId,
    ticketKey,
    message,
    teamWrap: wrapKeyForTeam(ticketKey, input.team),
    requesterWrap: wrapKeyForRequester(ticketKey, input.requesterBoxPk),
  };
}

/** What the client sends for a new ticket (POST /api/tickets, without the PoW): everything but K. */
export type TicketSubmission = Omit<CreatedTicket, 'ticketKey'>;

export function ticketSubmission(created: CreatedTicket): TicketSubmission {
  const { ticketId, messageId, message, teamWrap, requesterWrap } = created;
  return { ticketId, messageId, message, teamWrap, requesterWrap };
}
