import { and, eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testTables, sqlGet, sqlRun } from '../../helpers/app';
import * as p from '../../../protocol/index';
import { runMaintenance } from '../../../server/plugins/app/maintenance';
import { buildTestApp, type TestApp } from '../../helpers/app';
import { bearer, seedDesk, seedRequester, seedStaff, seedTeamKey, seedTicket, type Desk, type SeededRequester, type SeededTicket, type SignedInStaff } from '../../helpers/desk';
import { announce, complete, encryptFile, getChunk, putChunk, status, uploadFile, type EncryptedFile } from './upload';

const { attachmentChunks } = testTables;

const MiB = 1024 * 1024;

let t: TestApp;
let desk: Desk;
let requester: SeededRequester;
let ticket: SeededTicket;

async function setup(env: Record<string, string> = {}) {
  t = await buildTestApp({ env });
  desk = await seedDesk(t.app);
  requester = await seedRequester(t.app);
  ticket = await seedTicket(t.app, desk, requester);
}

const randomFile = (bytes: number) => new Uint8Array(randomBytes(bytes));
// 256 KiB chunks (a size a client may declare; the clients' default is 1 MiB): the wire checks
// below need files of several chunks, and small ones keep the suite fast.
const CHUNK_BYTES = 256 * 1024;
const encryptFor = (bytes: Uint8Array, signSk: p.SignSecretKey = requester.keys.sign.secretKey) =>
  encryptFile({ ticketId: ticket.ticketId, ticketKey: ticket.ticketKey, signSk, bytes, chunkBytes: CHUNK_BYTES });
const errorCode = (res: { json: () => unknown }) => (res.json() as { error: { code: string } }).error.code;

async function download(token: string, f: { attachmentId: string; chunkCount: number }): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let i = 0; i < f.chunkCount; i++) {
    const res = await getChunk(t, token, ticket.ticketId, f.attachmentId, i);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    out.push(new Uint8Array(res.rawPayload));
  }
  return out;
}

async function decryptAll(fileKey: p.FileKey, layout: p.AttachmentLayout, parts: Uint8Array[]): Promise<Uint8Array> {
  const out: Uint8Array[] = [];
  for await (const c of p.decryptAttachment(fileKey, layout, parts)) out.push(c);
  return new Uint8Array(Buffer.concat(out));
}

afterEach(async () => t.close());

describe('attachments: round trip, uploader and signature', () => {
  beforeEach(async () => {
    await setup();
  });

  it('stores a requester upload padded to its bucket that the requester and staff download and decrypt to the same bytes', async () => {
    // Given a requester's 1 MiB file plus an odd tail, sealed with the protocol module
    const bytes = randomFile(MiB + 12_345);
    const f = await encryptFor(bytes);
    expect(f.layout.paddedBytes).toBe(1.25 * MiB);
    expect(f.chunks).toHaveLength(5);

    // When it is uploaded chunk by chunk and completed
    await uploadFile(t, requester.token, ticket.ticketId, f);

    // Then the listing names the requester as uploader and shows only the padded size
    const list = await t.app.inject({ method: 'GET', url: `/api/tickets/${ticket.ticketId}/attachments`, headers: bearer(requester.token) });
    expect(list.statusCode).toBe(200);
    const [listed] = list.json<{ attachments: { attachmentId: string; meta: unknown; paddedSize: number; chunkCount: number; complete: boolean }[] }>().attachments;
    expect(listed).toMatchObject({ attachmentId: f.attachmentId, uploader: { type: 'requester' }, paddedSize: 1.25 * MiB, chunkBytes: CHUNK_BYTES, chunkCount: 5, complete: true });
    expect(JSON.stringify(list.json())).not.toContain(String(bytes.length));
    const meta = p.openAttachmentMeta({
      ticketId: ticket.ticketId,
      attachmentId: f.attachmentId,
      key: ticket.ticketKey,
      envelope: listed!.meta,
      authorSignPk: requester.keys.sign.publicKey,
    });
    expect(meta.size).toBe(bytes.length);

    // And both the requester and a technician decrypt the download to the same bytes
    const tech = await seedStaff(t.app, desk, 'tom');
    await seedTeamKey(t.app, desk, { grantTo: [desk.admin, tech] });
    for (const token of [requester.token, tech.token]) {
      const plain = await decryptAll(meta.fileKey, f.layout, await download(token, listed!));
      expect(Buffer.from(plain).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('records a staff uploader with their id, checked against their key-log key', async () => {
    const f = await encryptFor(randomFile(5000), desk.admin.keys.sign.secretKey);
    await uploadFile(t, desk.admin.token, ticket.ticketId, f);
    const list = await t.app.inject({ method: 'GET', url: `/api/tickets/${ticket.ticketId}/attachments`, headers: bearer(requester.token) });
    expect(list.json().attachments[0].uploader).toEqual({ type: 'staff', staffId: desk.admin.staffId });
  });

  it('refuses metadata not signed by the uploader: 400 bad_signature, nothing stored', async () => {
    // A requester's upload signed with some other key
    const forged = await encryptFor(randomFile(100), p.generateStaffKeys().sign.secretKey);
    const res = await announce(t, requester.token, ticket.ticketId, forged);
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe('bad_signature');
    // A member posting metadata the requester signed (it would be shown as the member's)
    const theirs = await encryptFor(randomFile(100));
    const asStaff = await announce(t, desk.admin.token, ticket.ticketId, theirs);
    expect(asStaff.statusCode).toBe(400);
    expect(errorCode(asStaff)).toBe('bad_signature');
    // Metadata signed for another attachment id
    const moved = await encryptFor(randomFile(100));
    const movedRes = await announce(t, requester.token, ticket.ticketId, moved, { attachmentId: p.newId() });
    expect(errorCode(movedRes)).toBe('bad_signature');
    expect(await sqlGet(t, 'select count(*) as n from attachments')).toEqual({ n: 0 });
  });

  it('lets chunk tampering, reordering and truncation on the server be detected', async () => {
    const f = await encryptFor(randomFile(600_000));
    await uploadFile(t, requester.token, ticket.ticketId, f);

    // When someone with database access flips one bit of chunk 1
    const where = and(eq(attachmentChunks.attachmentId, f.attachmentId), eq(attachmentChunks.idx, 1));
    const row = (await t.db.select().from(attachmentChunks).where(where))[0]!;
    const bad = Buffer.from(row.data);
    bad[100] = bad[100]! ^ 1;
    await t.db.update(attachmentChunks).set({ data: bad }).where(where);

    // Then the download fails instead of yielding altered bytes
    const chunks = await download(requester.token, { attachmentId: f.attachmentId, chunkCount: f.chunks.length });
    await expect(decryptAll(f.fileKey, f.layout, chunks)).rejects.toMatchObject({ code: 'stream_corrupt' });
    // And swapping two intact chunks, or dropping the last one, is caught as well
    const good = f.chunks;
    await expect(decryptAll(f.fileKey, f.layout, [good[1]!, good[0]!, ...good.slice(2)])).rejects.toMatchObject({ code: 'stream_corrupt' });
    await expect(decryptAll(f.fileKey, f.layout, good.slice(0, -1))).rejects.toMatchObject({ code: 'stream_truncated' });
  });
});

describe('attachments: resumable, idempotent upload', () => {
  let f: EncryptedFile;
  beforeEach(async () => {
    await setup();
    f = await encryptFor(randomFile(700_000));
    expect((await announce(t, requester.token, ticket.ticketId, f)).statusCode).toBe(201);
  });

  it('says which chunks are stored, so a resumed upload sends only the others', async () => {
    await putChunk(t, requester.token, ticket.ticketId, f.attachmentId, 2, f.chunks[2]!);
    await putChunk(t, requester.token, ticket.ticketId, f.attachmentId, 0, f.chunks[0]!);
    const res = await status(t, requester.token, ticket.ticketId, f.attachmentId);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ attachmentId: f.attachmentId, complete: false, storedChunks: [0, 2] });
    // An identical create (its answer was lost) is answered 200 with the same status
    const again = await announce(t, requester.token, ticket.ticketId, f);
    expect(again.statusCode).toBe(200);
    expect(again.json().storedChunks).toEqual([0, 2]);
    // Another create under the same id is a conflict
    const otherMeta = p.sealAttachmentMeta({
      ticketId: ticket.ticketId,
      attachmentId: f.attachmentId,
      key: ticket.ticketKey,
      meta: { name: 'other.png', type: 'image/png', size: 700_000, fileKey: p.newFileKey() },
      authorSignSk: requester.keys.sign.secretKey,
    });
    const conflict = await announce(t, requester.token, ticket.ticketId, f, { meta: otherMeta });
    expect(conflict.statusCode).toBe(409);
    expect(errorCode(conflict)).toBe('conflict');
  });

  it('acknowledges a chunk stored before without rewriting it', async () => {
    expect((await putChunk(t, requester.token, ticket.ticketId, f.attachmentId, 0, f.chunks[0]!)).statusCode).toBe(204);
    const reSealed = p.encryptAttachmentChunk(f.fileKey, { ...f.layout, index: 0 }, new Uint8Array(f.layout.chunkBytes));
    expect((await putChunk(t, requester.token, ticket.ticketId, f.attachmentId, 0, reSealed)).statusCode).toBe(204);
    const stored = await t.db.select().from(attachmentChunks).where(eq(attachmentChunks.attachmentId, f.attachmentId));
    expect(stored).toHaveLength(1);
    expect(Buffer.compare(stored[0]!.data, Buffer.from(f.chunks[0]!))).toBe(0);
  });

  it('takes chunks in any order and in parallel', async () => {
    const order = f.chunks.map((_, i) => i).reverse();
    const results = await Promise.all(order.map((i) => putChunk(t, requester.token, ticket.ticketId, f.attachmentId, i, f.chunks[i]!)));
    expect(results.map((r) => r.statusCode)).toEqual(order.map(() => 204));
    expect((await complete(t, requester.token, ticket.ticketId, f.attachmentId)).statusCode).toBe(200);
    const plain = await decryptAll(f.fileKey, f.layout, await download(requester.token, { attachmentId: f.attachmentId, chunkCount: f.chunks.length }));
    expect(plain.length).toBe(700_000);
  });

  it('lets only the uploader add chunks or complete (403 for other participants)', async () => {
    const put = await putChunk(t, desk.admin.token, ticket.ticketId, f.attachmentId, 0, f.chunks[0]!);
    expect(put.statusCode).toBe(403);
    for (const [i, c] of f.chunks.entries()) await putChunk(t, requester.token, ticket.ticketId, f.attachmentId, i, c);
    expect((await complete(t, desk.admin.token, ticket.ticketId, f.attachmentId)).statusCode).toBe(403);
    expect((await complete(t, requester.token, ticket.ticketId, f.attachmentId)).statusCode).toBe(200);
    // complete is idempotent
    expect((await complete(t, requester.token, ticket.ticketId, f.attachmentId)).statusCode).toBe(200);
  });
});

describe('attachment authorization', () => {
  let f: EncryptedFile;
  beforeEach(async () => {
    await setup();
    f = await encryptFor(randomFile(70_000));
    await uploadFile(t, requester.token, ticket.ticketId, f);
  });

  it('answers another requester 404 on every route, as for a ticket that does not exist', async () => {
    const other = await seedRequester(t.app);
    const responses = [
      await t.app.inject({ method: 'GET', url: `/api/tickets/${ticket.ticketId}/attachments`, headers: bearer(other.token) }),
      await status(t, other.token, ticket.ticketId, f.attachmentId),
      await getChunk(t, other.token, ticket.ticketId, f.attachmentId, 0),
      await putChunk(t, other.token, ticket.ticketId, f.attachmentId, 0, f.chunks[0]!),
      await complete(t, other.token, ticket.ticketId, f.attachmentId),
      await announce(t, other.token, ticket.ticketId, await encryptFor(randomFile(10))),
    ];
    for (const res of responses) {
      expect(res.statusCode).toBe(404);
      expect(errorCode(res)).toBe('not_found');
    }
    const missing = await t.app.inject({ method: 'GET', url: `/api/tickets/${p.newId()}/attachments`, headers: bearer(requester.token) });
    expect(missing.statusCode).toBe(404);
  });

  it('does not serve an attachment through another ticket id the caller may see', async () => {
    const second = await seedTicket(t.app, desk, requester, { team: { version: 1, publicKey: p.generateTeamKey().publicKey } });
    expect((await getChunk(t, requester.token, second.ticketId, f.attachmentId, 0)).statusCode).toBe(404);
    expect((await status(t, requester.token, second.ticketId, f.attachmentId)).statusCode).toBe(404);
  });

  it('refuses staff the key log has not admitted with 403', async () => {
    const stranger: SignedInStaff = await seedStaff(t.app, desk, 'mallory', { admit: false });
    const res = await t.app.inject({ method: 'GET', url: `/api/tickets/${ticket.ticketId}/attachments`, headers: bearer(stranger.token) });
    expect(res.statusCode).toBe(403);
  });

  it('answers admitted staff 404 for a ticket that does not exist, before anything is written', async () => {
    const missing = p.newId();
    const res = await announce(t, desk.admin.token, missing, await encryptFor(randomFile(10), desk.admin.keys.sign.secretKey));
    expect(res.statusCode).toBe(404);
    expect(await sqlGet(t, 'select count(*) as n from attachments where ticket_id = ?', missing)).toEqual({ n: 0 });
  });

  it('needs a session: no token is 401', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/tickets/${ticket.ticketId}/attachments` });
    expect(res.statusCode).toBe(401);
  });

  it('refuses a new attachment on a closed ticket with 409 ticket_closed', async () => {
    await sqlRun(t, "update tickets set status = 'closed', closed_at = 1 where id = ?", ticket.ticketId);
    const res = await announce(t, requester.token, ticket.ticketId, await encryptFor(randomFile(10)));
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('ticket_closed');
  });
});

describe('attachment limits and validation', () => {
  it('refuses a file whose bucket is over the padded file limit with 413, before any chunk', async () => {
    await setup({ SEALDESK_MAX_ATTACHMENT_MB: '1', SEALDESK_MAX_TICKET_MB: '2' });
    const res = await announce(t, requester.token, ticket.ticketId, await encryptFor(randomFile(MiB + 1)));
    expect(res.statusCode).toBe(413);
    expect(errorCode(res)).toBe('payload_too_large');
    // exactly at the limit is fine
    expect((await announce(t, requester.token, ticket.ticketId, await encryptFor(randomFile(MiB)))).statusCode).toBe(201);
  });

  it("refuses an attachment that would take the ticket's padded total over its limit, counting unfinished uploads", async () => {
    await setup({ SEALDESK_MAX_ATTACHMENT_MB: '1', SEALDESK_MAX_TICKET_MB: '2' });
    expect((await announce(t, requester.token, ticket.ticketId, await encryptFor(randomFile(MiB)))).statusCode).toBe(201);
    expect((await announce(t, requester.token, ticket.ticketId, await encryptFor(randomFile(MiB)))).statusCode).toBe(201);
    const third = await announce(t, requester.token, ticket.ticketId, await encryptFor(randomFile(1)));
    expect(third.statusCode).toBe(413);
    expect(errorCode(third)).toBe('payload_too_large');
  });

  it('refuses a size that is not a bucket (400 bad_padded_size) and a chunk count that does not match (400 bad_chunk_count)', async () => {
    await setup();
    const g = await encryptFor(randomFile(150_000));
    const notBucket = await announce(t, requester.token, ticket.ticketId, g, { paddedSize: 150_000, chunkCount: 1 });
    expect(notBucket.statusCode).toBe(400);
    expect(errorCode(notBucket)).toBe('bad_padded_size');
    const wrongCount = await announce(t, requester.token, ticket.ticketId, g, { chunkCount: g.chunks.length + 1 });
    expect(errorCode(wrongCount)).toBe('bad_chunk_count');
    const oddChunk = await announce(t, requester.token, ticket.ticketId, g, { chunkBytes: 100_000 });
    expect(errorCode(oddChunk)).toBe('validation_failed');
  });

  describe('chunks', () => {
    let f: EncryptedFile;
    beforeEach(async () => {
      await setup();
      f = await encryptFor(randomFile(300_000));
      expect((await announce(t, requester.token, ticket.ticketId, f)).statusCode).toBe(201);
    });

    it('answers 400 chunk_out_of_range for an index past the last chunk, on upload and download', async () => {
      const up = await putChunk(t, requester.token, ticket.ticketId, f.attachmentId, f.chunks.length, f.chunks[0]!);
      expect(errorCode(up)).toBe('chunk_out_of_range');
      for (const [i, c] of f.chunks.entries()) await putChunk(t, requester.token, ticket.ticketId, f.attachmentId, i, c);
      await complete(t, requester.token, ticket.ticketId, f.attachmentId);
      const down = await getChunk(t, requester.token, ticket.ticketId, f.attachmentId, 99);
      expect(errorCode(down)).toBe('chunk_out_of_range');
      expect((await getChunk(t, requester.token, ticket.ticketId, f.attachmentId, -1)).statusCode).toBe(400);
    });

    it('refuses a chunk of the wrong length (400) and one over its length (413)', async () => {
      const short = await putChunk(t, requester.token, ticket.ticketId, f.attachmentId, 0, f.chunks[0]!.subarray(1));
      expect(errorCode(short)).toBe('bad_chunk_size');
      // The last chunk is short: a full-size body for it is over its length.
      const big = await putChunk(t, requester.token, ticket.ticketId, f.attachmentId, 1, f.chunks[0]!);
      expect(big.statusCode).toBe(413);
      expect(errorCode(big)).toBe('payload_too_large');
      expect(await sqlGet(t, 'select count(*) as n from attachment_chunks')).toEqual({ n: 0 });
    });

    it('answers 413 to an oversized Content-Length before the body is sent', async () => {
      // Over a real socket: the headers promise 8 MiB, and not one byte of body follows.
      const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = new URL(address);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write(
            `PUT /api/tickets/${ticket.ticketId}/attachments/${f.attachmentId}/chunks/0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${requester.token}\r\n` +
              `Content-Type: application/octet-stream\r\nContent-Length: ${8 * MiB}\r\n\r\n`,
          );
        });
        let data = '';
        socket.on('data', (d) => (data += d.toString('latin1')));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
        setTimeout(() => {
          socket.destroy();
          resolve(data);
        }, 5000);
      });
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
      expect(answer).toContain('"payload_too_large"');
    });

    it('refuses a JSON body for a chunk with 415', async () => {
      const res = await t.app.inject({
        method: 'PUT',
        url: `/api/tickets/${ticket.ticketId}/attachments/${f.attachmentId}/chunks/0`,
        headers: bearer(requester.token),
        payload: { not: 'bytes' },
      });
      expect(res.statusCode).toBe(415);
    });

    it('will not complete while a chunk is missing, nor serve chunks before completion', async () => {
      await putChunk(t, requester.token, ticket.ticketId, f.attachmentId, 0, f.chunks[0]!);
      expect((await getChunk(t, requester.token, ticket.ticketId, f.attachmentId, 0)).statusCode).toBe(409);
      const res = await complete(t, requester.token, ticket.ticketId, f.attachmentId);
      expect(res.statusCode).toBe(409);
      expect(errorCode(res)).toBe('attachment_incomplete');
    });

    it('makes a completed attachment immutable', async () => {
      for (const [i, c] of f.chunks.entries()) await putChunk(t, requester.token, ticket.ticketId, f.attachmentId, i, c);
      expect((await complete(t, requester.token, ticket.ticketId, f.attachmentId)).statusCode).toBe(200);
      expect((await putChunk(t, requester.token, ticket.ticketId, f.attachmentId, 0, f.chunks[0]!)).statusCode).toBe(409);
    });
  });
});

describe('unfinished uploads', () => {
  it('are deleted with their chunks by the maintenance job a day after creation, freeing the ticket quota', async () => {
    await setup({ SEALDESK_MAX_ATTACHMENT_MB: '1', SEALDESK_MAX_TICKET_MB: '1' });
    const stale = await encryptFor(randomFile(MiB));
    expect((await announce(t, requester.token, ticket.ticketId, stale)).statusCode).toBe(201);
    await putChunk(t, requester.token, ticket.ticketId, stale.attachmentId, 0, stale.chunks[0]!);
    // The quota is taken by the reservation
    expect((await announce(t, requester.token, ticket.ticketId, await encryptFor(randomFile(10)))).statusCode).toBe(413);
    const created = ((await sqlGet(t, 'select created_at as c from attachments where id = ?', stale.attachmentId)) as { c: number }).c;

    // A day later (plus the hour of rounding) it is swept; a dry run counts it without deleting
    const later = created + 25 * 3600 + 1;
    expect((await runMaintenance(t.db, 90, later, { dryRun: true })).incompleteUploadsDeleted).toBe(1);
    expect((await runMaintenance(t.db, 90, created + 3600)).incompleteUploadsDeleted).toBe(0);
    expect((await runMaintenance(t.db, 90, later)).incompleteUploadsDeleted).toBe(1);
    expect(await sqlGet(t, 'select count(*) as n from attachment_chunks')).toEqual({ n: 0 });
    // The sweep "a day later" also expires sessions older than that: the requester signs in again.
    const token = (await t.app.issueSession('requester', requester.requesterId)).token;
    expect((await status(t, token, ticket.ticketId, stale.attachmentId)).statusCode).toBe(404);
    expect((await announce(t, token, ticket.ticketId, await encryptFor(randomFile(10)))).statusCode).toBe(201);
  });

  it('leave completed attachments alone', async () => {
    await setup();
    const f = await encryptFor(randomFile(1000));
    await uploadFile(t, requester.token, ticket.ticketId, f);
    expect((await runMaintenance(t.db, 90, Math.floor(Date.now() / 1000) + 30 * 86_400)).incompleteUploadsDeleted).toBe(0);
    expect(await sqlGet(t, 'select count(*) as n from attachment_chunks where attachment_id = ?', f.attachmentId)).toEqual({ n: 1 });
  });
});
