// Client-side steps of an attachment upload/download over app.inject, built on the protocol
// module exactly as the clients do (create → PUT chunks → complete), and the client core's
// transport over app.inject with a count of what it sent.
import type { DownloadTransport, UploadTransport } from '../../../client-core';
import type { Attachment, AttachmentStatus } from '../../../contract';
import * as p from '../../../protocol/index';
import type { TestApp } from '../../helpers/app';
import { bearer } from '../../helpers/desk';

export interface EncryptedFile {
  attachmentId: string;
  fileKey: p.FileKey;
  meta: p.MessageEnvelope;
  layout: p.AttachmentLayout;
  chunks: Uint8Array[];
}

export async function encryptFile(input: {
  ticketId: string;
  ticketKey: p.TicketKey;
  signSk: p.SignSecretKey;
  bytes: Uint8Array;
  name?: string;
  chunkBytes?: number;
}): Promise<EncryptedFile> {
  const attachmentId = p.newId();
  const fileKey = p.newFileKey();
  const layout = p.attachmentLayout({ ticketId: input.ticketId, attachmentId, plainBytes: input.bytes.length, chunkBytes: input.chunkBytes ?? p.ATTACHMENT_CHUNK_BYTES });
  const meta = p.sealAttachmentMeta({
    ticketId: input.ticketId,
    attachmentId,
    key: input.ticketKey,
    meta: { name: input.name ?? 'screenshot.png', type: 'image/png', size: input.bytes.length, fileKey },
    authorSignSk: input.signSk,
  });
  const chunks: Uint8Array[] = [];
  // Feed it in 100 KB pieces, like a file reader, so chunking does not mirror the input.
  const pieces = function* () {
    for (let off = 0; off < input.bytes.length; off += 100_000) yield input.bytes.subarray(off, off + 100_000);
  };
  for await (const c of p.encryptAttachment(fileKey, layout, pieces())) chunks.push(c);
  return { attachmentId, fileKey, meta, layout, chunks };
}

export const createBody = (f: EncryptedFile) => ({
  attachmentId: f.attachmentId,
  meta: f.meta,
  paddedSize: f.layout.paddedBytes,
  chunkBytes: f.layout.chunkBytes,
  chunkCount: f.layout.chunkCount,
});

export function announce(t: TestApp, token: string, ticketId: string, f: EncryptedFile, overrides: Record<string, unknown> = {}) {
  return t.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/attachments`, headers: bearer(token), payload: { ...createBody(f), ...overrides } });
}

export function putChunk(t: TestApp, token: string, ticketId: string, attachmentId: string, index: number, data: Uint8Array) {
  return t.app.inject({
    method: 'PUT',
    url: `/api/tickets/${ticketId}/attachments/${attachmentId}/chunks/${index}`,
    headers: { ...bearer(token), 'content-type': 'application/octet-stream' },
    payload: Buffer.from(data),
  });
}

export function complete(t: TestApp, token: string, ticketId: string, attachmentId: string) {
  return t.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/attachments/${attachmentId}/complete`, headers: bearer(token) });
}

export function status(t: TestApp, token: string, ticketId: string, attachmentId: string) {
  return t.app.inject({ method: 'GET', url: `/api/tickets/${ticketId}/attachments/${attachmentId}`, headers: bearer(token) });
}

export function getChunk(t: TestApp, token: string, ticketId: string, attachmentId: string, index: number) {
  return t.app.inject({ method: 'GET', url: `/api/tickets/${ticketId}/attachments/${attachmentId}/chunks/${index}`, headers: bearer(token) });
}

/** Create, upload every chunk, complete; fails loudly on any non-2xx step. */
export async function uploadFile(t: TestApp, token: string, ticketId: string, f: EncryptedFile): Promise<void> {
  const created = await announce(t, token, ticketId, f);
  if (created.statusCode !== 201) throw new Error(`create: ${created.statusCode} ${created.body}`);
  for (const [i, c] of f.chunks.entries()) {
    const res = await putChunk(t, token, ticketId, f.attachmentId, i, c);
    if (res.statusCode !== 204) throw new Error(`chunk ${i}: ${res.statusCode} ${res.body}`);
  }
  const done = await complete(t, token, ticketId, f.attachmentId);
  if (done.statusCode !== 200) throw new Error(`complete: ${done.statusCode} ${done.body}`);
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}: ${body}`);
  }
}

export interface CountingTransport extends UploadTransport, DownloadTransport {
  /** Chunk PUTs sent, by index, in order. */
  puts: number[];
  gets: number[];
  /** Throws (as a network failure would) on the PUT of these indices, once each. */
  failOnce: Set<number>;
}

/** The client core's transport over app.inject, as the CLI's and the web app's api.ts do it over HTTP. */
export function injectTransport(t: TestApp, token: string): CountingTransport {
  const ok = <T>(res: { statusCode: number; body: string; json: () => unknown }, want: number[]): T => {
    if (!want.includes(res.statusCode)) throw new HttpError(res.statusCode, res.body);
    return res.json() as T;
  };
  const tr: CountingTransport = {
    puts: [],
    gets: [],
    failOnce: new Set(),
    async create(ticketId, body) {
      const res = await t.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/attachments`, headers: bearer(token), payload: body });
      return ok<AttachmentStatus>(res, [200, 201]);
    },
    async putChunk(ticketId, attachmentId, index, chunk) {
      tr.puts.push(index);
      if (tr.failOnce.delete(index)) throw new Error('socket hang up');
      const res = await putChunk(t, token, ticketId, attachmentId, index, chunk);
      if (res.statusCode !== 204) throw new HttpError(res.statusCode, res.body);
    },
    async status(ticketId, attachmentId) {
      return ok<AttachmentStatus>(await status(t, token, ticketId, attachmentId), [200]);
    },
    async complete(ticketId, attachmentId) {
      return ok<Attachment>(await complete(t, token, ticketId, attachmentId), [200]);
    },
    async getChunk(ticketId, attachmentId, index) {
      tr.gets.push(index);
      const res = await getChunk(t, token, ticketId, attachmentId, index);
      if (res.statusCode !== 200) throw new HttpError(res.statusCode, res.body);
      return new Uint8Array(res.rawPayload);
    },
  };
  return tr;
}
