import { z } from 'zod';
import { KEY_BYTES, SEALED_BOX_OVERHEAD, idSchema, messageEnvelopeV1, b64OfLength } from '../../../../protocol/index';
import { TICKET_STATUSES } from '../../../../db/schema';
import { PowSolutionBody } from '../pow/schemas';

const sealedKey = b64OfLength(KEY_BYTES + SEALED_BOX_OVERHEAD).describe('crypto_box_seal of a 32-byte key, base64url');
export const TeamWrapBody = z.strictObject({ teamKeyVersion: z.number().int().min(1).max(1_000_000), sealed: sealedKey });
export const RequesterWrapBody = z.strictObject({ sealed: sealedKey });

/** SPEC §5 signed AEAD envelope; the protocol's own schema, so server and clients agree byte for byte. */
export const Envelope = messageEnvelopeV1;

export const CreateTicketBody = z.strictObject({
  ticketId: idSchema.describe('16 random bytes chosen by the client (bound into the AD)'),
  messageId: idSchema,
  message: Envelope.describe('first message, signed by the requester'),
  teamWrap: TeamWrapBody.describe('K sealed to the CURRENT team key'),
  requesterWrap: RequesterWrapBody.describe("K sealed to the requester's box key"),
  pow: PowSolutionBody,
});
export const CreatedTicket = z.object({ ticketId: idSchema, createdAt: z.number().int() });

const Status = z.enum(TICKET_STATUSES);
export const RequesterTicket = z.object({
  ticketId: idSchema,
  status: Status,
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  requesterWrap: z.object({ sealed: z.string() }),
  messageCount: z.number().int().describe('thread messages only; notes are never counted'),
});
export const MyTickets = z.object({ tickets: z.array(RequesterTicket) });

export const TicketParams = z.strictObject({ id: idSchema });

const Author = z.union([
  z.object({ type: z.literal('requester') }),
  z.object({ type: z.literal('staff'), staffId: z.string() }),
]);
export const Message = z.object({
  messageId: idSchema,
  seq: z.number().int(),
  kind: z.enum(['message', 'note']),
  author: Author,
  envelope: Envelope,
  createdAt: z.number().int(),
});
const WrapOut = z.object({ teamKeyVersion: z.number().int(), sealed: z.string() });
export const Thread = z.object({
  ticket: z.object({
    ticketId: idSchema,
    status: Status,
    requesterSignPk: z.string().describe("verify requester-authored messages against this key"),
    requesterWrap: z.object({ sealed: z.string() }).optional().describe('requester callers only'),
    teamWrap: WrapOut.nullable().optional().describe('staff callers only: newest team wrap of K'),
    noteWrap: WrapOut.nullable().optional().describe('staff callers only: newest team wrap of N, null before the first note'),
  }),
  messages: z.array(Message),
});

export const PostMessageBody = z.strictObject({
  messageId: idSchema,
  kind: z.enum(['message', 'note']),
  envelope: Envelope,
  noteWrap: TeamWrapBody.optional().describe('staff, first note of a ticket only: N sealed to the current team key'),
});
export const PostedMessage = z.object({
  messageId: idSchema,
  createdAt: z.number().int(),
  seq: z.number().int().optional().describe('staff callers only (a requester-visible seq would count notes)'),
});
