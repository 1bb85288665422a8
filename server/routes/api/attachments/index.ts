import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  Attachment,
  AttachmentParams,
  Attachments,
  ChunkBytes,
  ChunkParams,
  CIPHER_CHUNK_BYTES,
  CreateAttachmentBody,
  CreatedAttachment,
  errorResponses,
  NoContent,
  OCTET_STREAM,
  TicketParams,
} from '../../../../contract/index';
import { AppError } from '../../../errors';
import { nowSeconds } from '../../../plugins/app/tokens';
import { RATE_LIMITS } from '../../../rate-limits';
import { completeAttachment, createAttachment, getChunk, listAttachments, maxCipherBytes, putChunk, type AttachmentRow } from '../../../services/attachments';
import { hourFloor } from '../../../services/quotas';

/** Attachments live under the ticket they belong to: /api/tickets/:id/attachments… */
export const prefixOverride = '/api/tickets';

const errors = errorResponses(400, 401, 403, 404, 409, 413, 415, 429);
const bearer = [{ bearer: [] }];

function toWire(row: AttachmentRow): Attachment {
  return {
    attachmentId: row.attachmentId,
    meta: JSON.parse(row.meta) as Attachment['meta'],
    header: row.header,
    size: row.size,
    chunkCount: row.chunkCount,
    createdAt: row.createdAt,
    complete: row.completedAt !== null,
  };
}

/**
 * SPEC §5 chunked encrypted attachments: create → PUT each chunk (raw octet-stream) → complete;
 * list and download chunk by chunk. The ticket's participants only (autohooks.ts).
 * Not wrapped in fastify-plugin on purpose: the octet-stream parser must stay in this scope.
 */
const attachmentRoutes: FastifyPluginAsyncZod = async (app) => {
  // SECURITY: raw bodies only here, and never larger than one secretstream chunk.
  app.addContentTypeParser(OCTET_STREAM, { parseAs: 'buffer', bodyLimit: CIPHER_CHUNK_BYTES }, (_request, body, done) => done(null, body));

  const limits = { maxAttachmentBytes: app.config.maxAttachmentBytes, maxTicketBytes: app.config.maxTicketBytes };

  app.post(
    '/:id/attachments',
    {
      schema: {
        tags: ['attachments'],
        summary: 'Announce an encrypted attachment (metadata, header, sizes); chunks follow',
        security: bearer,
        params: TicketParams,
        body: CreateAttachmentBody,
        response: { 201: CreatedAttachment, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.attachmentWrite },
    },
    async (request, reply) => {
      const { id } = request.params;
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
        createdAt: request.requester ? hourFloor(now) : now,
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
        security: bearer,
        params: ChunkParams,
        response: { 204: NoContent, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.attachmentChunk },
    },
    async (request, reply) => {
      const { id, aid, index } = request.params;
      if (!Buffer.isBuffer(request.body)) {
        throw new AppError('unsupported_media_type', `send ${OCTET_STREAM}`);
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
        security: bearer,
        params: AttachmentParams,
        response: { 200: Attachment, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.attachmentWrite },
    },
    async (request) => {
      const { id, aid } = request.params;
      return toWire(completeAttachment(app.sqlite, id, aid, nowSeconds()));
    },
  );

  app.get(
    '/:id/attachments',
    {
      schema: {
        tags: ['attachments'],
        summary: "A ticket's attachments (encrypted metadata, sizes, completion)",
        security: bearer,
        params: TicketParams,
        response: { 200: Attachments, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.attachmentRead },
    },
    async (request) => {
      const { id } = request.params;
      return { attachments: listAttachments(app.sqlite, id).map(toWire) };
    },
  );

  app.get(
    '/:id/attachments/:aid/chunks/:index',
    {
      schema: {
        tags: ['attachments'],
        summary: 'Download one ciphertext chunk (application/octet-stream) of a completed attachment',
        security: bearer,
        params: ChunkParams,
        response: { 200: ChunkBytes, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.attachmentChunk },
    },
    async (request, reply) => {
      const { id, aid, index } = request.params;
      const data = getChunk(app.sqlite, id, aid, index);
      return reply.header('cache-control', 'no-store').type(OCTET_STREAM).send(data);
    },
  );
};

export default attachmentRoutes;
