// The client core's attachment drivers against the real server (app.inject), real libsodium:
// what the web worker and the CLI run, with the transport their api.ts provides.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '../../client-core';
import type { Attachment } from '../../contract';
import * as p from '../../protocol/index';
import { buildTestApp, type TestApp } from '../helpers/app';
import { bearer, seedDesk, seedRequester, seedTicket, storedKeyLogState, type Desk, type SeededRequester, type SeededTicket } from '../helpers/desk';
import { injectTransport } from '../server/attachments/upload';

const MiB = 1024 * 1024;
const CHUNK = p.ATTACHMENT_CHUNK_BYTES;

let t: TestApp;
let desk: Desk;
let requester: SeededRequester;
let ticket: SeededTicket;
let requesterVault: core.Vault;
let staffVault: core.Vault;

beforeAll(async () => {
  t = await buildTestApp({ env: { SEALDESK_MAX_TICKET_MB: '400' } });
  desk = await seedDesk(t.app);
  requester = await seedRequester(t.app);
  ticket = await seedTicket(t.app, desk, requester);
  requesterVault = core.createVault();
  requesterVault.keyLog = await storedKeyLogState(t.app);
  requesterVault.requester = requester.keys;
  requesterVault.ticketKeys.set(ticket.ticketId, ticket.ticketKey);
  staffVault = core.createVault();
  staffVault.keyLog = await storedKeyLogState(t.app);
  staffVault.staff = { staffId: desk.admin.staffId, keys: desk.admin.keys };
  staffVault.ticketKeys.set(ticket.ticketId, ticket.ticketKey);
});
afterAll(async () => t.close());

const place = () => ({ ticketId: ticket.ticketId, requesterSignPk: p.toB64(requester.keys.sign.publicKey) });

/** A file read in 100 KB pieces, like File.stream(), from any offset. */
const fileSource = (bytes: Uint8Array) =>
  function* (from: number) {
    for (let off = from; off < bytes.length; off += 100_000) yield bytes.subarray(off, Math.min(off + 100_000, bytes.length));
  };

async function listed(token: string): Promise<Attachment[]> {
  const res = await t.app.inject({ method: 'GET', url: `/api/tickets/${ticket.ticketId}/attachments`, headers: bearer(token) });
  return res.json<{ attachments: Attachment[] }>().attachments;
}

async function downloadAll(v: core.Vault, a: Attachment, tr: core.DownloadTransport): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const piece of core.downloadAttachment(v, place(), a, tr)) parts.push(piece);
  return new Uint8Array(Buffer.concat(parts));
}

describe('uploadAttachment / downloadAttachment through the real server', () => {
  for (const [label, size] of [
    ['0 B', 0],
    ['1 B', 1],
    ['one chunk', CHUNK],
    ['one chunk + 1', CHUNK + 1],
    ['25 MiB', 25 * MiB],
  ] as const) {
    it(`round-trips ${label} byte for byte, requester up, staff down`, async () => {
      const bytes = new Uint8Array(randomBytes(size));
      const up = injectTransport(t, requester.token);
      const upload = core.prepareUpload(requesterVault, ticket.ticketId, { name: `f-${size}.bin`, type: 'application/octet-stream', size });
      const progress: core.TransferProgress[] = [];
      const done = await core.uploadAttachment(upload, fileSource(bytes), up, { onProgress: (pr) => progress.push(pr) });
      expect(done.complete).toBe(true);
      expect(done.paddedSize).toBe(p.paddedAttachmentSize(size));
      expect(up.puts).toHaveLength(upload.layout.chunkCount);
      expect(progress.at(-1)).toMatchObject({ bytesDone: done.paddedSize, bytesTotal: done.paddedSize });

      const a = (await listed(desk.admin.token)).find((x) => x.attachmentId === upload.attachmentId)!;
      const [view] = core.openAttachmentList(staffVault, place(), [a]);
      expect(view).toMatchObject({ signature: 'verified', name: `f-${size}.bin`, size, decryptFailed: false });
      expect(core.openAttachmentList(requesterVault, place(), [a])[0]!.signature).toBe('own');
      const back = await downloadAll(staffVault, a, injectTransport(t, desk.admin.token));
      expect(back.length).toBe(size);
      expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
    }, 120_000);
  }

  it('resumes an interrupted upload by sending only the chunks the server lacks', async () => {
    // Given an 8-chunk upload whose connection drops at chunk 5 (4 chunks in flight)
    const bytes = new Uint8Array(randomBytes(8 * CHUNK));
    const upload = core.prepareUpload(requesterVault, ticket.ticketId, { name: 'big.log', type: 'text/plain', size: bytes.length });
    const first = injectTransport(t, requester.token);
    first.failOnce.add(5);
    await expect(core.uploadAttachment(upload, fileSource(bytes), first)).rejects.toThrow('socket hang up');
    const stored = new Set((await first.status(ticket.ticketId, upload.attachmentId)).storedChunks);
    expect(stored.size).toBeGreaterThan(0);
    expect(stored.has(5)).toBe(false);

    // When it is resumed with the same prepared upload
    const second = injectTransport(t, requester.token);
    const done = await core.uploadAttachment(upload, fileSource(bytes), second);

    // Then exactly the missing chunks went out, and the file is whole
    expect(done.complete).toBe(true);
    const missing = Array.from({ length: upload.layout.chunkCount }, (_, i) => i).filter((i) => !stored.has(i));
    expect([...second.puts].sort((a, b) => a - b)).toEqual(missing);
    const a = (await listed(requester.token)).find((x) => x.attachmentId === upload.attachmentId)!;
    expect(Buffer.from(await downloadAll(requesterVault, a, injectTransport(t, requester.token))).equals(Buffer.from(bytes))).toBe(true);
  });

  it('retries a chunk on a retryable error without failing the upload', async () => {
    const bytes = new Uint8Array(randomBytes(2 * CHUNK + 100_000));
    const tr = injectTransport(t, requester.token);
    tr.failOnce.add(1);
    const upload = core.prepareUpload(requesterVault, ticket.ticketId, { name: 'r.bin', type: 'application/octet-stream', size: bytes.length });
    const done = await core.uploadAttachment(upload, fileSource(bytes), tr, { isRetryable: () => true });
    expect(done.complete).toBe(true);
    expect(tr.puts.filter((i) => i === 1)).toHaveLength(2);
  });

  it('cancels on the signal with CoreError cancelled, and the upload can be resumed', async () => {
    const bytes = new Uint8Array(randomBytes(4 * CHUNK));
    const upload = core.prepareUpload(requesterVault, ticket.ticketId, { name: 'c.bin', type: 'application/octet-stream', size: bytes.length });
    const controller = new AbortController();
    const tr = injectTransport(t, requester.token);
    const cancelOnFirst = { ...tr, putChunk: async (...args: Parameters<typeof tr.putChunk>) => (controller.abort(), tr.putChunk(...args)) };
    await expect(core.uploadAttachment(upload, fileSource(bytes), cancelOnFirst, { signal: controller.signal, inFlight: 1 })).rejects.toMatchObject({ code: 'cancelled' });
    expect((await core.uploadAttachment(upload, fileSource(bytes), injectTransport(t, requester.token))).complete).toBe(true);
  });

  it('refuses a source whose size changed since prepareUpload', async () => {
    const upload = core.prepareUpload(requesterVault, ticket.ticketId, { name: 's.bin', type: 'application/octet-stream', size: 1000 });
    await expect(core.uploadAttachment(upload, [new Uint8Array(999)], injectTransport(t, requester.token))).rejects.toMatchObject({ code: 'attachment_source_changed' });
  });

  it('checks the limits before anything is sent, the ticket total in padded sizes', () => {
    const policy = { maxAttachmentBytes: 25 * MiB, maxTicketBytes: 100 * MiB };
    expect(core.checkAttachmentLimits(policy, [{ name: 'ok.jpg', size: 25 * MiB }])).toEqual([]);
    expect(core.checkAttachmentLimits(policy, [{ name: 'big.mp4', size: 25 * MiB + 1 }])).toEqual([
      { kind: 'file_too_large', name: 'big.mp4', size: 25 * MiB + 1, limit: 25 * MiB },
    ]);
    const four = Array.from({ length: 4 }, (_, i) => ({ name: `${i}`, size: 25 * MiB }));
    expect(core.checkAttachmentLimits(policy, four)).toEqual([]);
    expect(core.checkAttachmentLimits(policy, [{ name: 'x', size: 1 }], [{ paddedSize: 112 * MiB }])[0]).toMatchObject({ kind: 'ticket_total_too_large' });
  });
});

describe('downloadAttachment detects what the server does to a file', () => {
  let a: Attachment;
  let chunks: Uint8Array[];
  beforeAll(async () => {
    const bytes = new Uint8Array(randomBytes(3 * CHUNK + 10));
    const upload = core.prepareUpload(requesterVault, ticket.ticketId, { name: 'evidence.png', type: 'image/png', size: bytes.length });
    await core.uploadAttachment(upload, fileSource(bytes), injectTransport(t, requester.token));
    a = (await listed(requester.token)).find((x) => x.attachmentId === upload.attachmentId)!;
    const tr = injectTransport(t, requester.token);
    chunks = await Promise.all(Array.from({ length: a.chunkCount }, (_, i) => tr.getChunk(ticket.ticketId, a.attachmentId, i)));
  });
  const serving = (serve: (index: number) => Uint8Array): core.DownloadTransport => ({ getChunk: async (_t, _a, index) => serve(index) });
  const failure = async (att: Attachment, tr: core.DownloadTransport) => {
    try {
      await downloadAll(staffVault, att, tr);
    } catch (err) {
      return (err as { code?: string }).code;
    }
    return 'no error';
  };

  it('reordered chunks: stream_corrupt', async () => {
    expect(
      await failure(
        a,
        serving((i) => chunks[i === 1 ? 2 : i === 2 ? 1 : i]!),
      ),
    ).toBe('stream_corrupt');
  });

  it('a foreign chunk (another attachment of the same ticket): stream_corrupt', async () => {
    const other = core.prepareUpload(requesterVault, ticket.ticketId, { name: 'o', type: 'x', size: 10 });
    const foreign = p.encryptAttachmentChunk(other.fileKey, { ...other.layout, index: 0 }, new Uint8Array(CHUNK));
    expect(
      await failure(
        a,
        serving((i) => (i === 1 ? foreign : chunks[i]!)),
      ),
    ).toBe('stream_corrupt');
  });

  it('a truncated file (the server claims fewer chunks, or cuts the last one): stream_truncated / stream_corrupt', async () => {
    expect(
      await failure(
        { ...a, chunkCount: a.chunkCount - 1 },
        serving((i) => chunks[i]!),
      ),
    ).toBe('stream_truncated');
    expect(
      await failure(
        a,
        serving((i) => (i === a.chunkCount - 1 ? chunks[i]!.subarray(0, 30) : chunks[i]!)),
      ),
    ).toBe('stream_corrupt');
  });

  it('a padded-out file (more chunks claimed): stream_trailing_data', async () => {
    expect(
      await failure(
        { ...a, chunkCount: a.chunkCount + 1 },
        serving((i) => chunks[i % chunks.length]!),
      ),
    ).toBe('stream_trailing_data');
  });

  it('metadata that its uploader did not sign: attachment_untrusted, shown as bad, nothing fetched', async () => {
    const gets: number[] = [];
    const forged = { ...a, uploader: { type: 'staff' as const, staffId: desk.admin.staffId } };
    expect(core.openAttachmentList(staffVault, place(), [forged])[0]).toMatchObject({ signature: 'bad', decryptFailed: true, name: '' });
    expect(
      await failure(
        forged,
        serving((i) => {
          gets.push(i);
          return chunks[i]!;
        }),
      ),
    ).toBe('attachment_untrusted');
    expect(gets).toEqual([]);
  });
});
