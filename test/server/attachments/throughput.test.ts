// What makes attachments fast without weakening anything (docs/DECISIONS.md "Attachment
// throughput"): WAL checkpoints in a worker thread, and the staff CLI's chunk transport over
// node:http. The real app on a real SQLite file and a real 127.0.0.1 port.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiCallError, httpAttachments } from '../../../cli/staff/api';
import * as core from '../../../client-core';
import * as p from '../../../protocol/index';
import { BACKSTOP_FRAMES } from '../../../server/services/wal-checkpointer';
import { buildTestApp, onPostgres, sqlAll, sqlGet, type TestApp } from '../../helpers/app';
import { listen } from '../../helpers/cli';
import { seedDesk, seedRequester, seedTicket, type SeededRequester, type SeededTicket } from '../../helpers/desk';
import { announce, encryptFile, putChunk, uploadFile } from './upload';

const MiB = 1024 * 1024;

let t: TestApp;
let requester: SeededRequester;
let ticket: SeededTicket;

beforeEach(async () => {
  t = await buildTestApp({ env: { SEALDESK_MAX_TICKET_MB: '200' } });
  const desk = await seedDesk(t.app);
  requester = await seedRequester(t.app);
  ticket = await seedTicket(t.app, desk, requester);
});
afterEach(async () => {
  await t.close();
});

const until = async (what: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end && !what();) await new Promise((r) => setTimeout(r, 20));
  return what();
};

// SQLite-only: the WAL checkpointer (PostgreSQL checkpoints in its own processes).
describe.skipIf(onPostgres)('WAL checkpoints off the event loop', () => {
  it("copies an upload's pages into the database file from the worker, with the loop's own mark only as a backstop", async () => {
    // The loop's connection no longer checkpoints at SQLite's 1000 pages
    expect(t.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKSTOP_FRAMES);
    const dbFile = t.sqlite.name;
    const before = statSync(dbFile).size;

    // When 12 MiB of chunks (~3100 pages, far below the backstop) are stored
    const f = await encryptFile({ ticketId: ticket.ticketId, ticketKey: ticket.ticketKey, signSk: requester.keys.sign.secretKey, bytes: new Uint8Array(randomBytes(12 * MiB)) });
    await uploadFile(t, requester.token, ticket.ticketId, f);

    // Then the database file grows by all but the last < 1000 pages (the worker copies at every
    // 1000 pending pages): only a checkpoint writes it, and the loop's own did not run
    expect(await until(() => statSync(dbFile).size - before > 7 * MiB, 10_000)).toBe(true);
    const stored = (await sqlGet(t, 'SELECT count(*) AS n FROM attachment_chunks WHERE attachment_id = ?', f.attachmentId)) as { n: number };
    expect(stored.n).toBe(f.chunks.length);
  });
});

// SQLite-only: the writer thread (PostgreSQL runs the same procedure inline).
describe.skipIf(onPostgres)('chunk writes off the event loop', () => {
  it("stores a chunk through the writer thread's connection, not the loop's, and the loop reads it at once", async () => {
    const f = await encryptFile({ ticketId: ticket.ticketId, ticketKey: ticket.ticketKey, signSk: requester.keys.sign.secretKey, bytes: new Uint8Array(randomBytes(3 * MiB)) });
    expect((await announce(t, requester.token, ticket.ticketId, f)).statusCode).toBe(201);
    const loopChanges = () => (t.sqlite.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    const before = loopChanges();

    // When every chunk is acknowledged
    for (const [i, c] of f.chunks.entries()) expect((await putChunk(t, requester.token, ticket.ticketId, f.attachmentId, i, c)).statusCode).toBe(204);

    // Then the loop's connection wrote none of them (total_changes counts this connection's rows)
    expect(loopChanges()).toBe(before);
    // And its next read sees every one, byte for byte (a 204 comes after the writer's COMMIT)
    const rows = (await sqlAll(t, 'SELECT idx, data FROM attachment_chunks WHERE attachment_id = ? ORDER BY idx', f.attachmentId)) as { idx: number; data: Uint8Array }[];
    expect(rows.map((r) => r.idx)).toEqual(f.chunks.map((_, i) => i));
    for (const r of rows) expect(Buffer.compare(Buffer.from(r.data), Buffer.from(f.chunks[r.idx]!))).toBe(0);
  });
});

describe('chunk body buffers reused between requests', () => {
  it('never stores what a reused buffer held before: a short body after full ones is refused, not completed', async () => {
    const f = await encryptFile({
      ticketId: ticket.ticketId,
      ticketKey: ticket.ticketKey,
      signSk: requester.keys.sign.secretKey,
      bytes: new Uint8Array(randomBytes(3 * p.ATTACHMENT_CHUNK_BYTES)),
    });
    expect((await announce(t, requester.token, ticket.ticketId, f)).statusCode).toBe(201);
    // Given chunks 0 and 1 stored, so their buffers (same length as chunk 2) wait for reuse
    for (const i of [0, 1]) expect((await putChunk(t, requester.token, ticket.ticketId, f.attachmentId, i, f.chunks[i]!)).statusCode).toBe(204);
    // When chunk 2 comes one byte short
    const short = await putChunk(t, requester.token, ticket.ticketId, f.attachmentId, 2, f.chunks[2]!.subarray(1));
    // Then it is refused and nothing is stored for it (not the stale bytes of a reused buffer)
    expect(short.statusCode).toBe(400);
    const rows = (await sqlAll(t, 'SELECT idx, data FROM attachment_chunks WHERE attachment_id = ? ORDER BY idx', f.attachmentId)) as { idx: number; data: Buffer }[];
    expect(rows.map((r) => r.idx)).toEqual([0, 1]);
    rows.forEach((r) => expect(Buffer.compare(r.data, Buffer.from(f.chunks[r.idx]!))).toBe(0));
  });

  it('stores nothing from a body cut off mid-way, and takes the chunk again afterwards', async () => {
    const f = await encryptFile({
      ticketId: ticket.ticketId,
      ticketKey: ticket.ticketKey,
      signSk: requester.keys.sign.secretKey,
      bytes: new Uint8Array(randomBytes(p.ATTACHMENT_CHUNK_BYTES)),
    });
    expect((await announce(t, requester.token, ticket.ticketId, f)).statusCode).toBe(201);
    const base = await listen(t);
    // Given a client that sends half of chunk 0 over a real socket, then drops the connection
    const chunk = f.chunks[0]!;
    await new Promise<void>((done, fail) => {
      const socket = connect(Number(new URL(base).port), '127.0.0.1', () => {
        socket.write(
          `PUT /api/tickets/${ticket.ticketId}/attachments/${f.attachmentId}/chunks/0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${requester.token}\r\n` +
            `Content-Type: application/octet-stream\r\nContent-Length: ${chunk.length}\r\n\r\n`,
        );
        socket.write(chunk.subarray(0, chunk.length >> 1), () => setTimeout(() => (socket.destroy(), done()), 100));
      });
      socket.on('error', fail);
    });
    // Then nothing was stored, and the same chunk uploads whole afterwards
    expect(await sqlGet(t, 'SELECT count(*) AS n FROM attachment_chunks WHERE attachment_id = ?', f.attachmentId)).toEqual({ n: 0 });
    expect((await putChunk(t, requester.token, ticket.ticketId, f.attachmentId, 0, chunk)).statusCode).toBe(204);
    const stored = (await sqlGet(t, 'SELECT data FROM attachment_chunks WHERE attachment_id = ? AND idx = 0', f.attachmentId)) as { data: Buffer };
    expect(Buffer.compare(stored.data, Buffer.from(chunk))).toBe(0);
  });
});

describe('staff CLI chunk transport (node:http)', () => {
  const vaultFor = async (base: string) => {
    const v = core.createVault();
    v.requester = requester.keys;
    v.ticketKeys.set(ticket.ticketId, ticket.ticketKey);
    const log = (await (await fetch(`${base}/api/keylog`)).json()) as { entries: p.KeyLogEntry[] };
    v.keyLog = p.verifyKeyLog(log.entries);
    return v;
  };

  it('round-trips a file of one chunk + 1 byte over a real port, byte for byte', async () => {
    const base = await listen(t);
    const v = await vaultFor(base);
    const transport = httpAttachments(base, requester.token);
    const bytes = new Uint8Array(randomBytes(p.ATTACHMENT_CHUNK_BYTES + 1));
    const upload = core.prepareUpload(v, ticket.ticketId, { name: 'log.txt', type: 'text/plain', size: bytes.length });
    const done = await core.uploadAttachment(upload, [bytes], transport);
    expect(done.complete).toBe(true);
    const pieces: Uint8Array[] = [];
    for await (const piece of core.downloadAttachment(v, { ticketId: ticket.ticketId, requesterSignPk: p.toB64(requester.keys.sign.publicKey) }, done, transport))
      pieces.push(piece);
    expect(Buffer.compare(Buffer.concat(pieces), Buffer.from(bytes))).toBe(0);
  });

  it("reports the desk's error code, and no answer as a retryable network error", async () => {
    const base = await listen(t);
    const transport = httpAttachments(base, requester.token);
    const missing = await transport.status(ticket.ticketId, p.newId()).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiCallError);
    expect(missing).toMatchObject({ status: 404, code: 'not_found', retryable: false });

    await t.app.close();
    const gone = await transport.status(ticket.ticketId, p.newId()).catch((e: unknown) => e);
    expect(gone).toMatchObject({ status: 0, code: 'network', retryable: true });
  });

  it('refuses an answer larger than any attachment answer instead of buffering it', async () => {
    // A broken or hostile desk that streams 3 MiB for one chunk
    const hostile: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.alloc(3 * MiB));
    });
    await new Promise<void>((ok) => hostile.listen(0, '127.0.0.1', ok));
    try {
      const { port } = hostile.address() as { port: number };
      const err = await httpAttachments(`http://127.0.0.1:${port}`, 'token')
        .getChunk(ticket.ticketId, p.newId(), 0)
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'bad_response' });
    } finally {
      hostile.closeAllConnections();
      await new Promise((ok) => hostile.close(ok));
    }
  });

  it('cancels a transfer under way: the driver reports cancelled', async () => {
    const base = await listen(t);
    const v = await vaultFor(base);
    const transport = httpAttachments(base, requester.token);
    const bytes = new Uint8Array(randomBytes(4 * MiB));
    const upload = core.prepareUpload(v, ticket.ticketId, { name: 'big.bin', type: 'application/octet-stream', size: bytes.length });
    const controller = new AbortController();
    const err = await core
      .uploadAttachment(upload, [bytes], transport, { signal: controller.signal, onProgress: (pr) => pr.bytesDone > 0 && controller.abort() })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'cancelled' });
  });
});
