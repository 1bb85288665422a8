import { and, eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attachmentChunks } from '../../../db/schema';
import * as p from '../../../protocol/index';
import type { TestApp } from '../../helpers/app';
import { addRequester, addTicket, bearer, buildDeskApp, insertStaffRow, seedDesk, type SeededDesk, type SeededRequester, type SeededTicket } from '../rotation/seed';
import { announce, complete, encryptFile, getChunk, putChunk, uploadFile, type EncryptedFile } from './upload';

const MiB = 1024 * 1024;

let t: TestApp;
let desk: SeededDesk;
let requester: SeededRequester;
let ticket: SeededTicket;

async function setup(env: Record<string, string> = {}) {
  t = await buildDeskApp({ env });
  desk = seedDesk(t);
  const team = desk.addTeamKey([desk.admin]);
  requester = addRequester(t);
  ticket = addTicket(t, requester, team.pub);
}

const randomFile = (bytes: number) => new Uint8Array(randomBytes(bytes));
const encryptFor = (bytes: Uint8Array) => encryptFile({ ticketId: ticket.id, ticketKey: ticket.ticketKey, signSk: requester.keys.sign.secretKey, bytes });

async function download(token: string, f: { attachmentId: string; chunkCount: number }): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let i = 0; i < f.chunkCount; i++) {
    const res = await getChunk(t, token, ticket.id, f.attachmentId, i);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    out.push(new Uint8Array(res.rawPayload));
  }
  return out;
}

async function decryptAll(fileKey: p.FileKey, parts: Uint8Array[]): Promise<Uint8Array> {
  const out: Uint8Array[] = [];
  for await (const c of p.decryptAttachment(fileKey, parts)) out.push(c);
  return new Uint8Array(Buffer.concat(out));
}

afterEach(async () => t.close());

describe('POST /api/tickets/:id/attachments (round trip)', () => {
  beforeEach(async () => {
    await setup();
  });

  it('uploads a 1 MiB file in chunks that the requester and staff download and decrypt to the same bytes', async () => {
    // Given a requester's 1 MiB file (plus an odd tail) encrypted with the protocol module
    const bytes = randomFile(MiB + 12_345);
    const f = await encryptFor(bytes);
    expect(f.chunks.length).toBe(17);

    // When it is uploaded chunk by chunk and completed
    await uploadFile(t, requester.token, ticket.id, f);

    // Then the listing carries the metadata envelope, which opens under K to the file key
    const list = await t.app.inject({ method: 'GET', url: `/api/tickets/${ticket.id}/attachments`, headers: bearer(requester.token) });
    expect(list.statusCode).toBe(200);
    const [listed] = list.json<{ attachments: { attachmentId: string; meta: unknown; header: string; size: number; chunkCount: number; complete: boolean }[] }>().attachments;
    expect(listed).toMatchObject({ attachmentId: f.attachmentId, size: f.size, chunkCount: 17, complete: true });
    const meta = p.openAttachmentMeta({
      ticketId: ticket.id,
      attachmentId: f.attachmentId,
      key: ticket.ticketKey,
      envelope: listed!.meta,
      authorSignPk: requester.keys.sign.publicKey,
    });
    expect(meta.size).toBe(bytes.length);

    // And both the requester and a technician decrypt the download chunk by chunk to the same bytes
    const tech = desk.addStaff('tom');
    desk.addTeamKey([desk.admin, tech]);
    for (const token of [requester.token, tech.token]) {
      const chunks = await download(token, listed!);
      const plain = await decryptAll(meta.fileKey, [p.fromB64(listed!.header), ...chunks]);
      expect(Buffer.from(plain).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('handles an empty file as one final chunk', async () => {
    const f = await encryptFor(new Uint8Array(0));
    expect(f.chunks).toHaveLength(1);
    await uploadFile(t, requester.token, ticket.id, f);
    const chunks = await download(requester.token, { attachmentId: f.attachmentId, chunkCount: 1 });
    expect(await decryptAll(f.fileKey, [f.header, ...chunks])).toHaveLength(0);
  });

  it('lets chunk tampering on the server be detected by decryptAttachment', async () => {
    // Given a completed upload
    const bytes = randomFile(200_000);
    const f = await encryptFor(bytes);
    await uploadFile(t, requester.token, ticket.id, f);

    // When someone with database access flips one bit of chunk 1
    const where = and(eq(attachmentChunks.attachmentId, f.attachmentId), eq(attachmentChunks.idx, 1));
    const row = t.db.select().from(attachmentChunks).where(where).get()!;
    const bad = Buffer.from(row.data);
    bad[100] = bad[100]! ^ 1;
    t.db.update(attachmentChunks).set({ data: bad }).where(where).run();

    // Then the download fails to decrypt instead of yielding altered bytes
    const chunks = await download(requester.token, { attachmentId: f.attachmentId, chunkCount: f.chunks.length });
    await expect(decryptAll(f.fileKey, [f.header, ...chunks])).rejects.toMatchObject({ code: 'stream_corrupt' });
    // And swapping two intact chunks or dropping the last one is caught as well
    const good = await Promise.all(f.chunks.map((c) => c));
    await expect(decryptAll(f.fileKey, [f.header, good[1]!, good[0]!, ...good.slice(2)])).rejects.toMatchObject({ code: 'stream_corrupt' });
    await expect(decryptAll(f.fileKey, [f.header, ...good.slice(0, -1)])).rejects.toMatchObject({ code: 'stream_truncated' });
  });
});

describe('attachment authorization', () => {
  let f: EncryptedFile;
  beforeEach(async () => {
    await setup();
    f = await encryptFor(randomFile(70_000));
    await uploadFile(t, requester.token, ticket.id, f);
  });

  it('answers another requester 404 on every route, as for a ticket that does not exist', async () => {
    const other = addRequester(t);
    const responses = [
      await t.app.inject({ method: 'GET', url: `/api/tickets/${ticket.id}/attachments`, headers: bearer(other.token) }),
      await getChunk(t, other.token, ticket.id, f.attachmentId, 0),
      await putChunk(t, other.token, ticket.id, f.attachmentId, 0, f.chunks[0]!),
      await complete(t, other.token, ticket.id, f.attachmentId),
      await announce(t, other.token, ticket.id, await encryptFor(randomFile(10))),
    ];
    for (const res of responses) {
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'not_found' } });
    }
    const missing = await t.app.inject({ method: 'GET', url: `/api/tickets/${p.newId()}/attachments`, headers: bearer(requester.token) });
    expect(missing.statusCode).toBe(404);
  });

  it('does not serve an attachment through another ticket id the caller may see', async () => {
    const second = addTicket(t, requester, { version: 1, publicKey: p.generateTeamKey().publicKey });
    const res = await getChunk(t, requester.token, second.id, f.attachmentId, 0);
    expect(res.statusCode).toBe(404);
  });

  it('refuses staff the key log has not admitted with 403', async () => {
    const stranger = insertStaffRow(t, 'mallory', 'technician');
    const res = await t.app.inject({ method: 'GET', url: `/api/tickets/${ticket.id}/attachments`, headers: bearer(stranger.token) });
    expect(res.statusCode).toBe(403);
  });

  it('answers admitted staff 404 for a ticket that does not exist, before anything is written', async () => {
    const tech = desk.addStaff('sam');
    desk.addTeamKey([desk.admin, tech]);
    const missing = p.newId();
    const f = await encryptFor(randomFile(10));
    const res = await announce(t, tech.token, missing, f);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect(t.sqlite.prepare('select count(*) as n from attachments where ticket_id = ?').get(missing)).toEqual({ n: 0 });
  });

  it('needs a session: no token is 401', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/tickets/${ticket.id}/attachments` });
    expect(res.statusCode).toBe(401);
  });
});

describe('attachment limits and validation', () => {
  it('refuses a file over the per-file limit with 413 payload_too_large', async () => {
    await setup({ SEALDESK_MAX_ATTACHMENT_MB: '1', SEALDESK_MAX_TICKET_MB: '2' });
    const f = await encryptFor(randomFile(MiB + 1));
    const res = await announce(t, requester.token, ticket.id, f);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    // exactly at the limit is fine
    expect((await announce(t, requester.token, ticket.id, await encryptFor(randomFile(MiB)))).statusCode).toBe(201);
  });

  it("refuses an attachment that would take the ticket's total over its limit, counting unfinished uploads", async () => {
    await setup({ SEALDESK_MAX_ATTACHMENT_MB: '1', SEALDESK_MAX_TICKET_MB: '2' });
    expect((await announce(t, requester.token, ticket.id, await encryptFor(randomFile(MiB)))).statusCode).toBe(201);
    expect((await announce(t, requester.token, ticket.id, await encryptFor(randomFile(MiB)))).statusCode).toBe(201);
    const third = await announce(t, requester.token, ticket.id, await encryptFor(randomFile(1)));
    expect(third.statusCode).toBe(413);
    expect(third.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  describe('chunks', () => {
    let f: EncryptedFile;
    beforeEach(async () => {
      await setup();
      f = await encryptFor(randomFile(150_000));
      expect((await announce(t, requester.token, ticket.id, f)).statusCode).toBe(201);
    });

    it('answers 400 chunk_out_of_range for an index past the last chunk, on upload and download', async () => {
      const up = await putChunk(t, requester.token, ticket.id, f.attachmentId, f.chunks.length, f.chunks[0]!);
      expect(up.statusCode).toBe(400);
      expect(up.json()).toMatchObject({ error: { code: 'chunk_out_of_range' } });
      for (const [i, c] of f.chunks.entries()) await putChunk(t, requester.token, ticket.id, f.attachmentId, i, c);
      await complete(t, requester.token, ticket.id, f.attachmentId);
      const down = await getChunk(t, requester.token, ticket.id, f.attachmentId, 99);
      expect(down.statusCode).toBe(400);
      expect(down.json()).toMatchObject({ error: { code: 'chunk_out_of_range' } });
      const negative = await getChunk(t, requester.token, ticket.id, f.attachmentId, -1);
      expect(negative.statusCode).toBe(400);
    });

    it('refuses a chunk of the wrong length (400) and one over the chunk size (413)', async () => {
      const short = await putChunk(t, requester.token, ticket.id, f.attachmentId, 0, f.chunks[0]!.subarray(1));
      expect(short.statusCode).toBe(400);
      expect(short.json()).toMatchObject({ error: { code: 'bad_chunk_size' } });
      const big = await putChunk(t, requester.token, ticket.id, f.attachmentId, 0, new Uint8Array(64 * 1024 + 18));
      expect(big.statusCode).toBe(413);
      expect(big.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    });

    it('refuses a JSON body for a chunk with 415', async () => {
      const res = await t.app.inject({
        method: 'PUT',
        url: `/api/tickets/${ticket.id}/attachments/${f.attachmentId}/chunks/0`,
        headers: bearer(requester.token),
        payload: { not: 'bytes' },
      });
      expect(res.statusCode).toBe(415);
    });

    it('will not complete while a chunk is missing, nor serve chunks before completion', async () => {
      await putChunk(t, requester.token, ticket.id, f.attachmentId, 0, f.chunks[0]!);
      const early = await getChunk(t, requester.token, ticket.id, f.attachmentId, 0);
      expect(early.statusCode).toBe(409);
      const res = await complete(t, requester.token, ticket.id, f.attachmentId);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ error: { code: 'attachment_incomplete' } });
    });

    it('makes a completed attachment immutable', async () => {
      for (const [i, c] of f.chunks.entries()) await putChunk(t, requester.token, ticket.id, f.attachmentId, i, c);
      expect((await complete(t, requester.token, ticket.id, f.attachmentId)).statusCode).toBe(200);
      const again = await putChunk(t, requester.token, ticket.id, f.attachmentId, 0, f.chunks[0]!);
      expect(again.statusCode).toBe(409);
    });

    it('refuses a duplicate attachment id (409) and a chunk count that does not match the size (400)', async () => {
      const dup = await announce(t, requester.token, ticket.id, f);
      expect(dup.statusCode).toBe(409);
      const g = await encryptFor(randomFile(150_000));
      const wrongCount = await announce(t, requester.token, ticket.id, g, { chunkCount: g.chunks.length + 1 });
      expect(wrongCount.statusCode).toBe(400);
      expect(wrongCount.json()).toMatchObject({ error: { code: 'bad_chunk_count' } });
    });
  });
});
