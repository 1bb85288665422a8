// The requester's tickets and thread (/api/tickets…). Attachments: contract/attachments.ts.
import { z } from 'zod';
import { Envelope, idSchema, Message, RequesterWrap, RequesterWrapBody, TeamWrapBody, ticketStatus } from './common';
import { PowSolution } from './desk';

/** A first message or reply: a 100 000-character body padded, encrypted and base64url'd fits well inside. */
export const MESSAGE_BODY_LIMIT = 256 * 1024;

export const CreateTicketBody = z.strictObject({
  ticketId: idSchema.describe('16 random bytes chosen by the client (bound into the AD)'),
  messageId: idSchema,
  message: Envelope.describe('first message, signed by the requester'),
  teamWrap: TeamWrapBody.describe('K sealed to the CURRENT team key'),
  requesterWrap: RequesterWrapBody.describe("K sealed to the requester's box key"),
  pow: PowSolution.optional().describe("omit for the requester's first ticket (their registration paid for it); required after that (pow_required)"),
});
export const CreatedTicket = z.object({ ticketId: idSchema, createdAt: z.number().int() });

export const RequesterTicket = z.object({
  ticketId: idSchema,
  status: ticketStatus,
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  requesterWrap: RequesterWrap,
  messageCount: z.number().int().describe('thread messages only; notes are never counted'),
});
export const MyTickets = z.object({ tickets: z.array(RequesterTicket) });

/** GET /api/tickets/:id/messages: the requester's view (thread messages only, seq dense over them). */
export const RequesterThread = z.object({
  ticket: z.object({
    ticketId: idSchema,
    status: ticketStatus,
    requesterSignPk: z.string().describe('verify requester-authored messages against this key'),
    requesterWrap: RequesterWrap.optional(),
  }),
  messages: z.array(Message),
});

/**
 * POST /api/tickets/:id/messages. SECURITY: no `kind`, no `noteWrap`: a requester request
 * cannot even express a note (strict object, unknown keys are a 400).
 */
export const RequesterPostMessageBody = z.strictObject({ messageId: idSchema, envelope: Envelope });
export const RequesterPostedMessage = z.object({ messageId: idSchema, createdAt: z.number().int() });

// ---- types (z.input for what a client sends, z.infer for what it receives) ----
export type CreateTicketBody = z.input<typeof CreateTicketBody>;
export type CreatedTicket = z.infer<typeof CreatedTicket>;
export type RequesterTicket = z.infer<typeof RequesterTicket>;
export type MyTickets = z.infer<typeof MyTickets>;
export type RequesterThread = z.infer<typeof RequesterThread>;
export type RequesterPostMessageBody = z.input<typeof RequesterPostMessageBody>;
export type RequesterPostedMessage = z.infer<typeof RequesterPostedMessage>;
