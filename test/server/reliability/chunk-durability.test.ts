// Issue 11 (chunk writes through the writer thread): an attachment chunk answered with 204
// survives SIGKILL. The real server runs as a child process; a requester uploads a sealed file
// over HTTP, 4 chunks in flight; the server is killed mid-upload and restarted on the same data
// dir; every chunk that got a 204 must be stored, the upload resumes without it, and the
// completed file reads back byte for byte — three rounds on the same (growing) database.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../../protocol/index';
import {
  deskDatabase,
  deskView,
  http,
  inspectDatabase,
  killAll,
  registerRequesterHttp,
  setupDeskProcess,
  startServer,
  type HttpRequester,
  type ServerChild,
} from '../../helpers/process';
import { createBody, encryptFile, type EncryptedFile } from '../attachments/upload';

const ROUNDS = 3;
/** 12 MiB in 1 MiB chunks: 13 chunks (the padded size is a bucket, PROTOCOL.md §5.1). */
const FILE_BYTES = 12 * 1024 * 1024;
const IN_FLIGHT = 4;
/** SIGKILL once this many chunks have been acknowledged: about half-way. */
const KILL_AFTER = 6;

let dataDir: string;
/** The desk's fingerprint, which the requester pins. */
let fingerprint: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sealdesk-chunk-durability-'));
  ({ fingerprint } = await setupDeskProcess(dataDir));
}, 120_000);
afterAll(async () => {
  await killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const chunkUrl = (base: string, ticketId: string, f: EncryptedFile, index: number) => new URL(`/api/tickets/${ticketId}/attachments/${f.attachmentId}/chunks/${index}`, base);

/** PUTs one chunk; the status, or 0 when the connection failed (server gone). */
async function putChunk(base: string, token: string, ticketId: string, f: EncryptedFile, index: number): Promise<number> {
  try {
    const res = await fetch(chunkUrl(base, ticketId, f, index), {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: f.chunks[index] as Uint8Array<ArrayBuffer>,
    });
    void res.body?.cancel().catch(() => {});
    return res.status;
  } catch {
    return 0;
  }
}

async function getChunk(base: string, token: string, ticketId: string, f: EncryptedFile, index: number): Promise<Uint8Array> {
  const res = await fetch(chunkUrl(base, ticketId, f, index), { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET chunk ${index}: ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** A ticket of the requester's own, and its key K (which seals the attachment's metadata). */
async function newTicket(base: string, requester: HttpRequester, fingerprint: string, round: number): Promise<{ ticketId: string; ticketKey: p.TicketKey }> {
  const desk = await deskView(base, fingerprint);
  const created = p.createTicket({
    payload: { v: 1, subject: `round ${round}`, body: 'a file follows', category: 'account', lang: 'en' },
    requesterSignSk: requester.keys.sign.secretKey,
    requesterBoxPk: requester.keys.box.publicKey,
    team: desk.team,
  });
  const { challenge } = (await http(base, 'POST', '/api/pow', { purpose: 'ticket' })).body as { challenge: string };
  const res = await http(base, 'POST', '/api/tickets', { ...p.ticketSubmission(created), pow: { challenge, nonce: await p.solvePow(challenge) } }, requester.token);
  if (res.status !== 201) throw new Error(`ticket: ${res.status} ${JSON.stringify(res.body)}`);
  return { ticketId: created.ticketId, ticketKey: created.ticketKey };
}

/**
 * Every chunk, IN_FLIGHT at a time; SIGKILL once KILL_AFTER have been acknowledged. Each lane
 * keeps sending until the server is gone (no answer), so the kill always lands mid-upload: the
 * chunks in flight at the kill could all be answered before it, on a fast server.
 */
async function uploadUntilKilled(server: ServerChild, token: string, ticketId: string, f: EncryptedFile) {
  const acknowledged = new Set<number>();
  const otherStatuses: number[] = [];
  let cutOff = 0;
  let killing = null as ReturnType<ServerChild['kill']> | null;
  const queue = f.chunks.map((_, i) => i);
  const lane = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      const status = await putChunk(server.url, token, ticketId, f, i);
      // A 204 is an acknowledgement even when it arrives after the kill was sent.
      if (status === 204) acknowledged.add(i);
      else if (status === 0) {
        cutOff++;
        return;
      } else otherStatuses.push(status);
      if (!killing && acknowledged.size >= KILL_AFTER) killing = server.kill('SIGKILL');
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const exit = killing ? await killing : null;
  return { acknowledged, killedBy: exit?.signal ?? null, cutOff, otherStatuses };
}

describe('attachment chunks under SIGKILL', () => {
  it(`keeps every chunk answered with 204 over ${ROUNDS} kill/restart rounds; the resumed file reads back byte for byte`, async () => {
    let server = await startServer(dataDir);
    const requester = await registerRequesterHttp(server.url, await deskView(server.url, fingerprint));

    for (let round = 1; round <= ROUNDS; round++) {
      // Given a ticket and a sealed 12 MiB file, announced to the desk
      const { ticketId, ticketKey } = await newTicket(server.url, requester, fingerprint, round);
      const f = await encryptFile({ ticketId, ticketKey, signSk: requester.keys.sign.secretKey, bytes: new Uint8Array(randomBytes(FILE_BYTES)), name: 'capture.bin' });
      const created = await http(server.url, 'POST', `/api/tickets/${ticketId}/attachments`, createBody(f), requester.token);
      expect(created.status).toBe(201);

      // When its chunks are uploaded and the server is SIGKILLed mid-upload
      const burst = await uploadUntilKilled(server, requester.token, ticketId, f);
      const context = `round ${round}: ${burst.acknowledged.size} acknowledged, ${burst.cutOff} cut off, other statuses ${JSON.stringify(burst.otherStatuses)}`;
      expect(burst.killedBy, context).toBe('SIGKILL');
      expect(burst.acknowledged.size, context).toBeGreaterThanOrEqual(KILL_AFTER);
      expect(burst.otherStatuses, context).toEqual([]);
      // (the kill really landed mid-upload: chunks went unanswered, and not all were acknowledged)
      expect(burst.cutOff, context).toBeGreaterThan(0);
      expect(burst.acknowledged.size, context).toBeLessThan(f.chunks.length);

      // And it is restarted on the same data dir
      server = await startServer(dataDir);

      // Then every acknowledged chunk is stored (the session is a database row: it survived too)
      const status = await http(server.url, 'GET', `/api/tickets/${ticketId}/attachments/${f.attachmentId}`, undefined, requester.token);
      expect(status.status, context).toBe(200);
      const stored = new Set(status.body.storedChunks as number[]);
      expect(
        [...burst.acknowledged].filter((i) => !stored.has(i)),
        context,
      ).toEqual([]);

      // And the upload resumes with the chunks the desk lacks, completes, and reads back exactly
      for (const i of f.chunks.keys()) if (!stored.has(i)) expect(await putChunk(server.url, requester.token, ticketId, f, i), `chunk ${i}`).toBe(204);
      expect((await http(server.url, 'POST', `/api/tickets/${ticketId}/attachments/${f.attachmentId}/complete`, undefined, requester.token)).status).toBe(200);
      for (const [i, sealed] of f.chunks.entries())
        expect(Buffer.compare(Buffer.from(await getChunk(server.url, requester.token, ticketId, f, i)), Buffer.from(sealed)), `chunk ${i}`).toBe(0);
      const plain: Uint8Array[] = [];
      for await (const piece of p.decryptAttachment(f.fileKey, f.layout, f.chunks)) plain.push(piece);
      expect(Buffer.concat(plain).length).toBe(FILE_BYTES);

      // And the database passes integrity_check with no dangling reference
      expect(inspectDatabase(deskDatabase(dataDir)), context).toMatchObject({ integrity: 'ok', foreignKeyViolations: 0 });
    }
    expect((await server.kill('SIGTERM')).code).toBe(0);
  }, 300_000);
});
