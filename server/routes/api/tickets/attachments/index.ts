import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { b64OfLength, idSchema, messageEnvelopeV1, SECRETSTREAM_HEADER_BYTES } from '../../../../../protocol/index';
import { AppError, ErrorResponse } from '../../../../errors';
import { nowSeconds } from '../../../../plugins/app/tokens';
import { authorizeTicketAccess } from '../../../../services/attachments-access';
import {
  CIPHER_CHUNK_BYTES,
  completeAttachment,
  createAttachment,
  getChunk,
  listAttachments,
  maxCipherBytes,
  putChunk,
  type AttachmentRow,
} from '../../../../services/attachments';

const HOUR = 3600;
const OCTET_STREAM = 'application/octet-stream';

const TicketParams = z.strictObject({ id: idSchema });
const AttachmentParams = z.strictObject({ id: idSchema, aid: idSchema });
// The route schema bounds the index loosely; the attachment's own chunk count is checked after
// lookup (400 chunk_out_of_range).
const ChunkParams = z.strictObject({ id: idSchema, aid: idSchema, index: z.coerce.number().int().min(0).max(1_000_000) });

const Attachment = z.object({
  attachmentId: idSchema,
  meta: messageEnvelopeV1.describe('AEAD envelope (kind attachment, under K) of {name, type, size, F}'),
  header: z.string().describe('24-byte secretstream header, base64url'),
  size: z.number().int().describe('ciphertext bytes, header included: encryptedAttachmentSize(plaintext)'),
  chunkCount: z.number().int(),
  createdAt: z.number().int(),
  complete: z.boolean(),
});

const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  413: ErrorResponse,
  415: ErrorResponse,
  429: ErrorResponse,
} as const;

function toWire(row: AttachmentRow): z.infer<typeof Attachment> {
  return {
    attachmentId: row.attachmentId,
    meta: JSON.parse(row.meta) as z.infer<typeof messageEnvelopeV1>,
    header: row.header,
    size: row.size,
    chunkCount: row.chunkCount,
    createdAt: row.createdAt,
    complete: row.completedAt !== null,
  };
}

/**
 * SPEC §5 chunked encrypted attachments, mounted inside the tickets plugin (/api/tickets):
 * create → PUT each chunk (raw octet-stream) → complete; list and download chunk by chunk.
 * Not wrapped in fastify-plugin on purpose: the octet-stream parser must stay in this scope.
 */
const attachmentRoutes: FastifyPluginAsyncZod = async (app) => {
  // SECURITY: raw bodies only here, and never larger than one secretstream chunk.
  app.addContentTypeParser(OCTET_STREAM, { parseAs: 'buffer', bodyLimit: CIPHER_CHUNK_BYTES }, (_request, body, done) => done(null, body));

  const limits = { maxAttachmentBytes: app.config.maxAttachmentBytes, maxTicketBytes: app.config.maxTicketBytes };
  // Per client address (HMAC'd): a 25 MiB file is ~400 chunks, so chunk routes allow bursts.
  const chunkRate = { rateLimit: { max: 3000, timeWindow: '1 minute' } };

  app.post(
    '/:id/attachments',
    {
      schema: {
        tags: ['attachments'],
        summary: 'Announce an encrypted attachment (metadata, header, sizes); chunks follow',
        security: [{ bearer: [] }],
        params: TicketParams,
        body: z.strictObject({
          attachmentId: idSchema,
          meta: messageEnvelopeV1,
          header: b64OfLength(SECRETSTREAM_HEADER_BYTES),
          // Over the ciphertext bound of the file limit is a 413, not a 400, so the schema allows more.
          size: z.number().int().min(1).max(2 ** 40),
          chunkCount: z.number().int().min(1).max(1_000_000),
        }),
        response: { 201: z.object({ attachmentId: idSchema, chunkBytes: z.number().int(), maxSize: z.number().int() }), ...errors },
      },
      config: { rateLimit: { max: 120, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const { id } = request.params;
      const actor = await authorizeTicketAccess(app, request, id);
      const now = nowSeconds();
      const b = request.body;
      createAttachment(app.sqlite, limits, {
        ticketId: id,
        attachmentId: b.attachmentId,
        meta: JSON.stringify(b.meta),
        header: b.header,
        size: b.size,
        chunkCount: b.chunkCount,
        // Requester-side times are stored rounded down to the hour (SPEC §5).
        createdAt: actor.type === 'requester' ? now - (now % HOUR) : now,
      });
      return reply.code(201).send({ attachmentId: b.attachmentId, chunkBytes: CIPHER_CHUNK_BYTES, maxSize: maxCipherBytes(limits) });
    },
  );

  app.put(
    '/:id/attachments/:aid/chunks/:index',
    {
      bodyLimit: CIPHER_CHUNK_BYTES,
      schema: {
        tags: ['attachments'],
        summary: `Upload one ciphertext chunk (application/octet-stream, exactly ${CIPHER_CHUNK_BYTES} bytes except the last)`,
        security: [{ bearer: [] }],
        params: ChunkParams,
        response: { 204: z.null(), ...errors },
      },
      config: chunkRate,
    },
    async (request, reply) => {
      const { id, aid, index } = request.params;
      await authorizeTicketAccess(app, request, id);
      if (!Buffer.isBuffer(request.body)) {
        throw new AppError(415, 'unsupported_media_type', `send ${OCTET_STREAM}`);
      }
      putChunk(app.sqlite, id, aid, index, request.body);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/:id/attachments/:aid/complete',
    {
      schema: {
        tags: ['attachments'],
        summary: 'Mark an attachment complete once every chunk is stored',
        security: [{ bearer: [] }],
        params: AttachmentParams,
        response: { 200: Attachment, ...errors },
      },
      config: { rateLimit: { max: 120, timeWindow: '1 minute' } },
    },
    async (request) => {
      const { id, aid } = request.params;
      await authorizeTicketAccess(app, request, id);
      return toWire(completeAttachment(app.sqlite, id, aid, nowSeconds()));
    },
  );

  app.get(
    '/:id/attachments',
    {
      schema: {
        tags: ['attachments'],
        summary: "A ticket's attachments (encrypted metadata, sizes, completion)",
        security: [{ bearer: [] }],
        params: TicketParams,
        response: { 200: z.object({ attachments: z.array(Attachment) }), ...errors },
      },
      config: { rateLimit: { max: 300, timeWindow: '1 minute' } },
    },
    async (request) => {
      const { id } = request.params;
      await authorizeTicketAccess(app, request, id);
      return { attachments: listAttachments(app.sqlite, id).map(toWire) };
    },
  );

  app.get(
    '/:id/attachments/:aid/chunks/:index',
    {
      schema: {
        tags: ['attachments'],
        summary: 'Download one ciphertext chunk (application/octet-stream) of a completed attachment',
        security: [{ bearer: [] }],
        params: ChunkParams,
        // The 200 body is raw bytes; Fastify sends Buffers without serialising them.
        response: { 200: z.any().describe('application/octet-stream'), ...errors },
      },
      config: chunkRate,
    },
    async (request, reply) => {
      const { id, aid, index } = request.params;
      await authorizeTicketAccess(app, request, id);
      const data = getChunk(app.sqlite, id, aid, index);
      return reply.header('cache-control', 'no-store').type(OCTET_STREAM).send(data);
    },
  );
};

export default attachmentRoutes;
