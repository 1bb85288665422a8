// Building blocks shared by several resources. Byte values cross the wire as base64url; the
// protocol's own schemas are reused so the server and every client agree byte for byte.
// The protocol's schema helpers already refuse non-canonical base64url (PROTOCOL.md §1).
import { z } from 'zod';
import { MESSAGE_KINDS, STAFF_ROLES, STAFF_STATUSES, TICKET_PRIORITIES, TICKET_STATUSES } from '../db/schema';
import { KEY_BYTES } from '../protocol/constants';
import { messageEnvelopeV1 } from '../protocol/envelope';
import { b64OfLength, idSchema, sealedKeySchema } from '../protocol/schemas';

export { idSchema, b64OfLength, messageEnvelopeV1 };

export const publicKey = b64OfLength(KEY_BYTES).describe('32 bytes, base64url');
/** crypto_box_seal of a 32-byte key (K, N, or a team secret key), base64url. */
export const sealedKey = sealedKeySchema.describe('crypto_box_seal of a 32-byte key, base64url');

export const teamKeyVersion = z.number().int().min(1).max(1_000_000);
export const unixSeconds = z.number().int().describe('Unix seconds');

export const ticketStatus = z.enum(TICKET_STATUSES);
export const ticketPriority = z.enum(TICKET_PRIORITIES);
export const messageKind = z.enum(MESSAGE_KINDS);
export const staffRole = z.enum(STAFF_ROLES);
export const staffStatus = z.enum(STAFF_STATUSES);

/** SPEC §5 signed AEAD envelope (the protocol's schema). */
export const Envelope = messageEnvelopeV1;

/** A team wrap as a client sends it: K or N sealed to team key `teamKeyVersion`. */
export const TeamWrapBody = z.strictObject({ teamKeyVersion, sealed: sealedKey });
/** A team wrap as the server answers it. */
export const TeamWrap = z.object({ teamKeyVersion: z.number().int(), sealed: z.string() });
export const RequesterWrapBody = z.strictObject({ sealed: sealedKey });
export const RequesterWrap = z.object({ sealed: z.string() });

export const TicketParams = z.strictObject({ id: idSchema });

export const MessageAuthor = z.union([z.object({ type: z.literal('requester') }), z.object({ type: z.literal('staff'), staffId: z.string() })]);
export const Message = z.object({
  messageId: idSchema,
  seq: z.number().int(),
  kind: messageKind,
  author: MessageAuthor,
  envelope: Envelope,
  createdAt: z.number().int(),
});

/** Keyset paging cursors (queue, rotation) are opaque strings from the server. */
export const cursorParam = z.string().max(64);

// ---- types (z.input for what a client sends, z.infer for what it receives) ----
export type Envelope = z.infer<typeof Envelope>;
export type TeamWrapBody = z.input<typeof TeamWrapBody>;
export type TeamWrap = z.infer<typeof TeamWrap>;
export type RequesterWrapBody = z.input<typeof RequesterWrapBody>;
export type RequesterWrap = z.infer<typeof RequesterWrap>;
export type TicketParams = z.input<typeof TicketParams>;
export type MessageAuthor = z.infer<typeof MessageAuthor>;
export type Message = z.infer<typeof Message>;
export type TicketStatus = z.infer<typeof ticketStatus>;
export type TicketPriority = z.infer<typeof ticketPriority>;
export type MessageKind = z.infer<typeof messageKind>;
export type StaffRole = z.infer<typeof staffRole>;
export type StaffStatus = z.infer<typeof staffStatus>;

/** A 204 answer has no body. */
export const NoContent = z.null();
