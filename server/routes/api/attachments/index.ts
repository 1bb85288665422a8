import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { Readable } from 'node:stream';
import {
  Attachment,
  AttachmentParams,
  Attachments,
  AttachmentStatus,
  ChunkBytes,
  ChunkParams,
  CreateAttachmentBody,
  errorResponses,
  NoContent,
  OCTET_STREAM,
  TicketParams,
} from '../../../../contract/index';
import { AppError, badRequest } from '../../../errors';
import { nowSeconds } from '../../../plugins/app/tokens';
import { RATE_LIMITS } from '../../../rate-limits';
import {
  afterChunkIo,
  attachmentStatus,
  chunkUploadTarget,
  completeAttachment,
  createAttachment,
  getChunk,
  listAttachments,
  payloadTooLarge,
  type Uploader,
} from '../../../services/attachments';
import { hourFloor } from '../../../services/quotas';

/** Attachments live under the ticket they belong to: /api/tickets/:id/attachments… */
export const prefixOverride = '/api/tickets';

const errors = errorResponses(400, 401, 403, 404, 409, 413, 415, 429);
const bearer = [{ bearer: [] }];

/** The caller as the service knows them; the participant guard (autohooks.ts) set exactly one. */
function uploaderOf(request: FastifyRequest): Uploader {
  return request.staff ? { type: 'staff', staffId: request.staff.id } : { type: 'requester', requesterId: request.requester!.id };
}

/**
 * Body buffers not handed on, kept for the next chunk of the same length: a chunk acknowledged as
 * already stored, a refused one, one stored inline (SQLite copies a bound blob, so once it is
 * committed its buffer is free), or one the writer thread stored and transferred back. Without
 * reuse each left a chunk for the garbage collector, and a 25 MiB upload's worth could pile up in
 * the server's RSS before a collection (bench/attachments.ts; DECISIONS.md "Attachment
 * throughput"). A buffer the writer refused is freed there (detached here) and not kept. At most
 * SPARE_BUFFERS per length (a client sends 4 chunks at once): the pool never holds more than a
 * few chunks.
 */
const SPARE_BUFFERS = 4;
const spareBuffers = new Map<number, Buffer[]>();
// allocUnsafeSlow: a buffer that owns its whole ArrayBuffer, so it can be transferred (never a
// slice of Node's shared pool, which would carry other requests' bytes).
const takeBuffer = (length: number) => spareBuffers.get(length)?.pop() ?? Buffer.allocUnsafeSlow(length);
function giveBack(buf: Buffer): void {
  if (buf.buffer.byteLength === 0) return; // transferred to the writer thread
  const spare = spareBuffers.get(buf.length) ?? [];
  if (spare.length < SPARE_BUFFERS) spare.push(buf);
  spareBuffers.set(buf.length, spare);
}

/**
 * Reads one chunk body of exactly `expected` bytes into `buf`. SECURITY: never more than that is
 * held: the first byte past it ends the request with 413 (no or a false Content-Length); fewer
 * bytes are a 400, so a reused buffer's old bytes can never be stored.
 */
function readChunkBody(body: Readable, buf: Buffer, index: number): Promise<void> {
  const expected = buf.length;
  // Events, not `for await`: an async iterator per request cost the chunk route measurable loop
  // time at ~100 requests per file (bench/attachments.ts).
  return new Promise((resolve, reject) => {
    let fill = 0;
    let settled = false;
    const fail = (err: unknown) => {
      settled = true;
      body.off('data', onData);
      reject(err);
    };
    const onData = (piece: Buffer) => {
      if (fill + piece.length > expected) {
        body.destroy();
        fail(payloadTooLarge(`chunk ${index} is ${expected} bytes; the body is longer`));
        return;
      }
      piece.copy(buf, fill);
      fill += piece.length;
    };
    body.on('data', onData);
    body.once('error', fail);
    body.once('end', () => {
      if (settled) return;
      settled = true;
      if (fill === expected) resolve();
      else fail(badRequest('bad_chunk_size', `chunk ${index} must be exactly ${expected} bytes`));
    });
    // The client went away mid-body: nothing to store, and nobody to answer.
    body.once('close', () => settled || fail(badRequest('bad_chunk_size', `chunk ${index} ended before its ${expected} bytes`)));
  });
}

/**
 * SPEC §5 chunked encrypted attachments (API.md "Attachments"): create → PUT chunks (raw
 * octet-stream, in parallel, resumable with status) → complete; list and download chunk by chunk.
 * The ticket's participants only (autohooks.ts); writes to one attachment by its uploader only
 * (the service checks it on the object). Not wrapped in fastify-plugin on purpose: the
 * octet-stream parser must stay in this scope.
 */
const attachmentRoutes: FastifyPluginAsyncZod = async (app) => {
  // SECURITY: the raw body is handed over unread; the chunk route reads it only after it knows
  // the chunk's exact length, and never past it.
  app.addContentTypeParser(OCTET_STREAM, (_request, payload, done) => done(null, payload));

  const limits = { maxAttachmentBytes: app.config.maxAttachmentBytes, maxTicketBytes: app.config.maxTicketBytes };

  app.post(
    '/:id/attachments',
    {
      schema: {
        tags: ['attachments'],
        summary: 'Create an attachment: signed metadata, padded size, chunking; chunks follow (resumable)',
        security: bearer,
        params: TicketParams,
        body: CreateAttachmentBody,
        response: { 200: AttachmentStatus, 201: AttachmentStatus, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.attachmentWrite },
    },
    async (request, reply) => {
      const uploader = uploaderOf(request);
      const now = nowSeconds();
      const { status, created } = await app.groupCommit((tx) =>
        createAttachment(tx, limits, {
          ticketId: request.params.id,
          uploader,
          body: request.body,
          // Requester-side times are stored rounded down to the hour (SPEC §5).
          createdAt: uploader.type === 'requester' ? hourFloor(now) : now,
        }),
      );
      return reply.code(created ? 201 : 200).send(status);
    },
  );

  app.get(
    '/:id/attachments/:aid',
    {
      schema: {
        tags: ['attachments'],
        summary: 'One attachment and the chunks stored so far (to resume an upload)',
        security: bearer,
        params: AttachmentParams,
        response: { 200: AttachmentStatus, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.attachmentWrite },
    },
    async (request) => attachmentStatus(app.db, request.params.id, request.params.aid),
  );

  app.put(
    '/:id/attachments/:aid/chunks/:index',
    {
      schema: {
        tags: ['attachments'],
        summary: 'Upload one sealed chunk (application/octet-stream, exactly its length); idempotent',
        security: bearer,
        params: ChunkParams,
        response: { 204: NoContent, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.attachmentChunk },
    },
    async (request, reply) => {
      const { id, aid, index } = request.params;
      const contentType = String(request.headers['content-type'] ?? '');
      if (!contentType.startsWith(OCTET_STREAM)) throw new AppError('unsupported_media_type', `send ${OCTET_STREAM}`);
      const target = await chunkUploadTarget(app.db, id, aid, index, uploaderOf(request));
      const declared = Number(request.headers['content-length'] ?? Number.NaN);
      try {
        // SECURITY: refuse an oversized body by its declared length, before reading any of it.
        if (declared > target.expectedBytes) throw payloadTooLarge(`chunk ${index} is ${target.expectedBytes} bytes`);
        if (!(request.body instanceof Readable)) throw badRequest('bad_chunk_size', `chunk ${index} must be exactly ${target.expectedBytes} bytes`);
        const data = takeBuffer(target.expectedBytes);
        let returned: ArrayBuffer | undefined;
        try {
          await readChunkBody(request.body, data, index);
          // Stored before (a retry after a lost answer): acknowledged, not rewritten.
          if (!target.alreadyStored) {
            // Off the event loop on SQLite (the writer thread), the bytes moved there, not copied,
            // and their memory moved back once stored; settles once the chunk is durable, so the
            // 204 below vouches for it.
            returned = await app.write('writeChunk', { target, data }, [data.buffer as ArrayBuffer]);
          }
        } finally {
          giveBack(returned ? Buffer.from(returned) : data);
        }
      } catch (err) {
        // Do not let the server drain an oversized body it refused: close the connection.
        if (err instanceof AppError && err.code === 'payload_too_large') reply.header('connection', 'close');
        throw err;
      }
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/:id/attachments/:aid/complete',
    {
      schema: {
        tags: ['attachments'],
        summary: 'Mark an attachment complete once every chunk is stored (uploader only; idempotent)',
        security: bearer,
        params: AttachmentParams,
        response: { 200: Attachment, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.attachmentWrite },
    },
    async (request) => {
      const { id, aid } = request.params;
      const uploader = uploaderOf(request);
      return app.groupCommit((tx) => completeAttachment(tx, id, aid, uploader, nowSeconds()));
    },
  );

  app.get(
    '/:id/attachments',
    {
      schema: {
        tags: ['attachments'],
        summary: "A ticket's attachments (signed encrypted metadata, uploader, padded sizes, completion)",
        security: bearer,
        params: TicketParams,
        response: { 200: Attachments, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.attachmentRead },
    },
    async (request) => ({ attachments: await listAttachments(app.db, request.params.id) }),
  );

  app.get(
    '/:id/attachments/:aid/chunks/:index',
    {
      schema: {
        tags: ['attachments'],
        summary: 'Download one sealed chunk (application/octet-stream) of a completed attachment',
        security: bearer,
        params: ChunkParams,
        response: { 200: ChunkBytes, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.attachmentChunk },
    },
    async (request, reply) => {
      const { id, aid, index } = request.params;
      const data = await getChunk(app.db, id, aid, index);
      await afterChunkIo(app.db, data.length);
      return reply.header('cache-control', 'no-store').type(OCTET_STREAM).send(data);
    },
  );
};

export default attachmentRoutes;
