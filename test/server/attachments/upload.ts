// Client-side steps of an attachment upload/download over app.inject, built on the protocol
// module exactly as the web client does: encrypt → announce → PUT chunks → complete.
import * as p from '../../../protocol/index';
import type { TestApp } from '../../helpers/app';
import { bearer } from '../rotation/seed';

export interface EncryptedFile {
  attachmentId: string;
  fileKey: p.FileKey;
  meta: p.MessageEnvelope;
  header: Uint8Array;
  chunks: Uint8Array[];
  size: number;
}

export async function encryptFile(input: { ticketId: string; ticketKey: p.TicketKey; signSk: p.SignSecretKey; bytes: Uint8Array; name?: string }): Promise<EncryptedFile> {
  const attachmentId = p.newId();
  const fileKey = p.newFileKey();
  const meta = p.sealAttachmentMeta({
    ticketId: input.ticketId,
    attachmentId,
    key: input.ticketKey,
    meta: { name: input.name ?? 'screenshot.png', type: 'image/png', size: input.bytes.length, fileKey },
    authorSignSk: input.signSk,
  });
  const parts: Uint8Array[] = [];
  // Feed it in 100 KB pieces, like a file reader, so chunking does not mirror the input.
  const pieces = function* () {
    for (let off = 0; off < input.bytes.length; off += 100_000) yield input.bytes.subarray(off, off + 100_000);
  };
  for await (const c of p.encryptAttachment(fileKey, pieces())) parts.push(c);
  const [header, ...chunks] = parts;
  return { attachmentId, fileKey, meta, header: header!, chunks, size: p.encryptedAttachmentSize(input.bytes.length) };
}

export function announce(t: TestApp, token: string, ticketId: string, f: EncryptedFile, overrides: Record<string, unknown> = {}) {
  return t.app.inject({
    method: 'POST',
    url: `/api/tickets/${ticketId}/attachments`,
    headers: bearer(token),
    payload: { attachmentId: f.attachmentId, meta: f.meta, header: p.toB64(f.header), size: f.size, chunkCount: f.chunks.length, ...overrides },
  });
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

export function getChunk(t: TestApp, token: string, ticketId: string, attachmentId: string, index: number) {
  return t.app.inject({ method: 'GET', url: `/api/tickets/${ticketId}/attachments/${attachmentId}/chunks/${index}`, headers: bearer(token) });
}

/** Announce, upload every chunk, complete; fails loudly on any non-2xx step. */
export async function uploadFile(t: TestApp, token: string, ticketId: string, f: EncryptedFile): Promise<void> {
  const created = await announce(t, token, ticketId, f);
  if (created.statusCode !== 201) throw new Error(`announce: ${created.statusCode} ${created.body}`);
  for (const [i, c] of f.chunks.entries()) {
    const res = await putChunk(t, token, ticketId, f.attachmentId, i, c);
    if (res.statusCode !== 204) throw new Error(`chunk ${i}: ${res.statusCode} ${res.body}`);
  }
  const done = await complete(t, token, ticketId, f.attachmentId);
  if (done.statusCode !== 200) throw new Error(`complete: ${done.statusCode} ${done.body}`);
}
