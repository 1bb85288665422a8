// The requester's tickets and thread (/api/tickets…), and attachments, which both kinds of
// participant use (/api/tickets/:id/attachments…).
import { z } from 'zod';
import { ATTACHMENT_CHUNK_BYTES, SECRETSTREAM_ABYTES, SECRETSTREAM_HEADER_BYTES } from '../protocol/constants';
import { b64OfLength } from '../protocol/schemas';
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

// ---- attachments (SPEC §5) ----
/** One ciphertext chunk on the wire: 64 KiB of plaintext plus the secretstream tag. */
export const CIPHER_CHUNK_BYTES = ATTACHMENT_CHUNK_BYTES + SECRETSTREAM_ABYTES;
export const OCTET_STREAM = 'application/octet-stream';

export const AttachmentParams = z.strictObject({ id: idSchema, aid: idSchema });
// The route schema bounds the index loosely; the attachment's own chunk count is checked after
// lookup (400 chunk_out_of_range).
export const ChunkParams = z.strictObject({ id: idSchema, aid: idSchema, index: z.coerce.number().int().min(0).max(1_000_000) });

export const CreateAttachmentBody = z.strictObject({
  attachmentId: idSchema,
  meta: Envelope,
  header: b64OfLength(SECRETSTREAM_HEADER_BYTES),
  // Over the ciphertext bound of the file limit is a 413, not a 400, so the schema allows more.
  size: z
    .number()
    .int()
    .min(1)
    .max(2 ** 40),
  chunkCount: z.number().int().min(1).max(1_000_000),
});
export const CreatedAttachment = z.object({ attachmentId: idSchema, chunkBytes: z.number().int(), maxSize: z.number().int() });

export const Attachment = z.object({
  attachmentId: idSchema,
  meta: Envelope.describe('AEAD envelope (kind attachment, under K) of {name, type, size, F}'),
  header: z.string().describe('24-byte secretstream header, base64url'),
  size: z.number().int().describe('ciphertext bytes, header included: encryptedAttachmentSize(plaintext)'),
  chunkCount: z.number().int(),
  createdAt: z.number().int(),
  complete: z.boolean(),
});
export const Attachments = z.object({ attachments: z.array(Attachment) });
/** The 200 body of a chunk download is raw bytes; Fastify sends Buffers without serialising them. */
export const ChunkBytes = z.any().describe(OCTET_STREAM);

// ---- types (z.input for what a client sends, z.infer for what it receives) ----
export type CreateTicketBody = z.input<typeof CreateTicketBody>;
export type CreatedTicket = z.infer<typeof CreatedTicket>;
export type RequesterTicket = z.infer<typeof RequesterTicket>;
export type MyTickets = z.infer<typeof MyTickets>;
export type RequesterThread = z.infer<typeof RequesterThread>;
export type RequesterPostMessageBody = z.input<typeof RequesterPostMessageBody>;
export type RequesterPostedMessage = z.infer<typeof RequesterPostedMessage>;
export type AttachmentParams = z.input<typeof AttachmentParams>;
export type ChunkParams = z.input<typeof ChunkParams>;
export type CreateAttachmentBody = z.input<typeof CreateAttachmentBody>;
export type CreatedAttachment = z.infer<typeof CreatedAttachment>;
export type Attachment = z.infer<typeof Attachment>;
export type Attachments = z.infer<typeof Attachments>;
