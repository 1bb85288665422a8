// Attachments (/api/tickets/:id/attachments…), which both kinds of participant use. The body is
// PROTOCOL.md §5: padded to a size bucket, cut into chunks sealed one by one; uploads are
// resumable (status says which chunks are stored) and chunks may be sent in parallel.
import { z } from 'zod';
import { ATTACHMENT_CHUNK_OVERHEAD, ATTACHMENT_CHUNK_SIZES } from '../protocol/constants';
import { Envelope, idSchema, MessageAuthor } from './common';

export const OCTET_STREAM = 'application/octet-stream';
/** The largest chunk body on the wire: the largest chunk size plus nonce and tag. */
export const MAX_CHUNK_BODY_BYTES = Math.max(...ATTACHMENT_CHUNK_SIZES) + ATTACHMENT_CHUNK_OVERHEAD;

export const AttachmentParams = z.strictObject({ id: idSchema, aid: idSchema });
// The route schema bounds the index loosely; the attachment's own chunk count is checked after
// lookup (400 chunk_out_of_range).
export const ChunkParams = z.strictObject({ id: idSchema, aid: idSchema, index: z.coerce.number().int().min(0).max(1_000_000) });

const chunkBytes = z.literal(ATTACHMENT_CHUNK_SIZES).describe(`plaintext bytes per chunk: one of ${ATTACHMENT_CHUNK_SIZES.join(', ')}`);

export const CreateAttachmentBody = z.strictObject({
  attachmentId: idSchema.describe('16 random bytes chosen by the client (bound into the metadata AD and every chunk AD)'),
  meta: Envelope.describe('metadata envelope {v, name, type, size, fileKey} under K, kind attachment, signed by the uploader'),
  // Over the padded bound of the file limit is a 413, not a 400, so the schema allows more.
  paddedSize: z
    .number()
    .int()
    .min(1)
    .max(2 ** 40)
    .describe('plaintext size padded to its bucket (PROTOCOL.md §5.1); the server never sees the exact size'),
  chunkBytes,
  chunkCount: z.number().int().min(1).max(1_000_000).describe('ceil(paddedSize / chunkBytes)'),
});

export const Attachment = z.object({
  attachmentId: idSchema,
  uploader: MessageAuthor.describe('who announced it; verify meta against this author'),
  meta: Envelope.describe('AEAD envelope (kind attachment, under K) of {name, type, size, F}, signed by the uploader'),
  paddedSize: z.number().int(),
  chunkBytes: z.number().int(),
  chunkCount: z.number().int(),
  createdAt: z.number().int(),
  complete: z.boolean(),
});
export const Attachments = z.object({ attachments: z.array(Attachment) });

/** Create (201, or 200 for an identical repeat) and status: the attachment and which chunks are stored. */
export const AttachmentStatus = Attachment.extend({
  storedChunks: z.array(z.number().int()).describe('indices already stored, ascending; resume sends only the others'),
});

/** The 200 body of a chunk download is raw bytes; Fastify sends Buffers without serialising them. */
export const ChunkBytes = z.any().describe(OCTET_STREAM);

export type AttachmentParams = z.input<typeof AttachmentParams>;
export type ChunkParams = z.input<typeof ChunkParams>;
export type CreateAttachmentBody = z.input<typeof CreateAttachmentBody>;
export type Attachment = z.infer<typeof Attachment>;
export type Attachments = z.infer<typeof Attachments>;
export type AttachmentStatus = z.infer<typeof AttachmentStatus>;
