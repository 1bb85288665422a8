import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Attachment } from '../../contract';
import * as p from '../../protocol';
import type { TestApp } from '../helpers/app';
import { seedRequester, seedTicket, withDesk, type SeededRequester, type SeededTicket, type SignedInStaff } from '../helpers/desk';
import { encryptFile, uploadFile } from '../server/attachments/upload';
import { listen, runCommand } from '../helpers/cli';
import { sqlGet, sqlRun } from '../helpers/app';
import * as core from '../../client-core';
import { ApiCallError, httpAttachments } from '../../cli/staff/api';
import { uploadResuming } from '../../cli/staff/attach';
import { THREAD_MIN_CHUNKS } from '../../cli/staff/chunk-cipher';

// The staff CLI's attachment commands, in-process against the real app on an ephemeral port.
const fx = withDesk({ via: 'db', technicians: ['tom'] });
let t: TestApp;
let tech: SignedInStaff & { id: string };
let url: string;
let ticket: SeededTicket;
let requester: SeededRequester & { id: string };
let requesterToken: string;
let work: string;

beforeAll(async () => {
  t = fx.t;
  tech = { ...fx.staff.tom, id: fx.staff.tom.staffId };
  const seeded = await seedRequester(fx.app);
  requester = { ...seeded, id: seeded.requesterId };
  requesterToken = seeded.token;
  ticket = await seedTicket(fx.app, fx.desk, requester, { subject: 'Strange app on my phone' });
  url = await listen(t);
  work = mkdtempSync(join(tmpdir(), 'sealdesk-cli-attach-'));
});

function cli(args: string[]) {
  return runCommand([...args, '--username', tech.username, '--server', url], { SEALDESK_PASSWORD: tech.password });
}

async function listed(): Promise<Attachment[]> {
  const res = await t.app.inject({ method: 'GET', url: `/api/tickets/${ticket.ticketId}/attachments`, headers: { authorization: `Bearer ${tech.token}` } });
  return res.json<{ attachments: Attachment[] }>().attachments;
}

describe('staff CLI: attach, attachments, download', () => {
  it('attach streams a file up with a reply; download decrypts it back byte for byte', async () => {
    // Given a 700 kB log file on disk
    const bytes = new Uint8Array(randomBytes(700_000));
    const file = join(work, 'adb-logcat.txt');
    writeFileSync(file, bytes);

    // When the technician attaches it with a reply
    const res = await cli(['attach', ticket.ticketId, file, '--message', 'Here is what I found in the log.']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^attachment \S{22} sent \(adb-logcat\.txt, 700000 bytes\)\nreply \S{22} sent\n$/);

    // Then the server holds it as the member's upload, signed with their logged key
    const a = (await listed()).at(-1)!;
    expect(a).toMatchObject({ uploader: { type: 'staff', staffId: tech.id }, complete: true, paddedSize: p.paddedAttachmentSize(700_000) });
    const meta = p.openAttachmentMeta({ ticketId: ticket.ticketId, attachmentId: a.attachmentId, key: ticket.ticketKey, envelope: a.meta, authorSignPk: tech.keys.sign.publicKey });
    expect(meta).toMatchObject({ name: 'adb-logcat.txt', type: 'text/plain', size: 700_000 });

    // And download writes the same bytes, and warns that a non-image is to be opened with care
    const out = mkdtempSync(join(work, 'out-'));
    const down = await cli(['download', ticket.ticketId, a.attachmentId, '--out', out]);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain(`saved ${join(out, 'adb-logcat.txt')} (700000 bytes, text/plain)`);
    expect(down.stderr).toContain('Open it only in a safe environment');
    expect(Buffer.compare(readFileSync(join(out, 'adb-logcat.txt')), Buffer.from(bytes))).toBe(0);
  });

  it("download keeps a requester's hostile file name inside --out, never overwrites, never makes it executable", async () => {
    const bytes = new Uint8Array(randomBytes(5000));
    const f = await encryptFile({ ticketId: ticket.ticketId, ticketKey: ticket.ticketKey, signSk: requester.keys.sign.secretKey, bytes, name: '../../.bashrc\u202Egnp.sh' });
    await uploadFile(t, requesterToken, ticket.ticketId, f);
    const out = mkdtempSync(join(work, 'hostile-'));
    writeFileSync(join(out, 'bashrc?gnp.sh'), 'mine');
    const res = await cli(['download', ticket.ticketId, f.attachmentId, '--out', out]);
    expect(res.code).toBe(0);
    // The bidi override is shown as "?", the path and the leading dot are gone, and the existing file stays
    expect(readdirSync(out).sort()).toEqual(['bashrc?gnp (1).sh', 'bashrc?gnp.sh']);
    expect(readFileSync(join(out, 'bashrc?gnp.sh'), 'utf8')).toBe('mine');
    expect(Buffer.compare(readFileSync(join(out, 'bashrc?gnp (1).sh')), Buffer.from(bytes))).toBe(0);
    expect(statSync(join(out, 'bashrc?gnp (1).sh')).mode & 0o111).toBe(0);
  });

  it('attachments lists each file with its uploader and signature status', async () => {
    const res = await cli(['attachments', ticket.ticketId]);
    expect(res.code).toBe(0);
    const lines = res.stdout.split('\n');
    expect(lines[0]).toMatch(/^ATTACHMENT\s+NAME\s+TYPE\s+BYTES\s+FROM\s+WHEN\s+STATUS$/);
    expect(lines.find((l) => l.includes('adb-logcat.txt'))).toMatch(/^✓ \S{22}\s+adb-logcat\.txt\s+text\/plain\s+700000\s+staff tom\s.*verified$/);
    expect(lines.find((l) => l.includes('gnp'))).toMatch(/requester\s.*verified$/);
  });

  it('download of a file the server altered fails and keeps nothing', async () => {
    const f = await encryptFile({
      ticketId: ticket.ticketId,
      ticketKey: ticket.ticketKey,
      signSk: requester.keys.sign.secretKey,
      bytes: new Uint8Array(randomBytes(300_000)),
      name: 'photo.jpg',
      // Two chunks, so one can be swapped for a cut copy of the other.
      chunkBytes: 256 * 1024,
    });
    await uploadFile(t, requesterToken, ticket.ticketId, f);
    await sqlRun(t, 'update attachment_chunks set data = ? where attachment_id = ? and idx = 1', Buffer.from(f.chunks[0]!.subarray(0, f.chunks[1]!.length)), f.attachmentId);
    const out = mkdtempSync(join(work, 'tampered-'));
    const res = await cli(['download', ticket.ticketId, f.attachmentId, '--out', out]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/stream_corrupt.*nothing was kept/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('attach and download of a file of several chunks seal and open them on the CLI chunk thread, byte for byte; an altered chunk fails there too', async () => {
    // Given a file of six 1 MiB chunks: enough for the thread (cli/staff/chunk-cipher.ts)
    const bytes = new Uint8Array(randomBytes(5 * p.ATTACHMENT_CHUNK_BYTES + 12_345));
    const file = join(work, 'capture.pcap');
    writeFileSync(file, bytes);
    const res = await cli(['attach', ticket.ticketId, file]);
    expect(res.code).toBe(0);
    const sentId = /^attachment (\S{22}) sent/.exec(res.stdout)?.[1];
    const a = (await listed()).find((x) => x.attachmentId === sentId)!;
    expect(a.chunkCount).toBeGreaterThanOrEqual(THREAD_MIN_CHUNKS);

    // Then download gives the same bytes back
    const out = mkdtempSync(join(work, 'several-'));
    expect((await cli(['download', ticket.ticketId, a.attachmentId, '--out', out])).code).toBe(0);
    expect(Buffer.compare(readFileSync(join(out, 'capture.pcap')), Buffer.from(bytes))).toBe(0);

    // And once the server alters one byte of chunk 3, the download fails and keeps nothing
    const row = await sqlGet<{ data: Uint8Array }>(t, 'select data from attachment_chunks where attachment_id = ? and idx = 3', a.attachmentId);
    const altered = Buffer.from(row!.data);
    altered[100]! ^= 1;
    await sqlRun(t, 'update attachment_chunks set data = ? where attachment_id = ? and idx = 3', altered, a.attachmentId);
    const out2 = mkdtempSync(join(work, 'several-altered-'));
    const bad = await cli(['download', ticket.ticketId, a.attachmentId, '--out', out2]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/stream_corrupt.*nothing was kept/);
    expect(readdirSync(out2)).toEqual([]);
  });

  it('attach resumes a dropped upload with half as many chunks in flight, sending only the chunks the server lacks', async () => {
    // Given a ten-chunk file whose connection goes down once two chunks are stored, and stays down
    // until the driver gives up (each chunk's try and two retries), over the CLI's real transport
    // and a real port
    const v = core.createVault();
    v.requester = requester.keys;
    v.ticketKeys.set(ticket.ticketId, ticket.ticketKey);
    v.keyLog = p.verifyKeyLog((await t.app.inject({ method: 'GET', url: '/api/keylog' })).json<{ entries: p.KeyLogEntry[] }>().entries);
    const bytes = new Uint8Array(randomBytes(10 * p.ATTACHMENT_CHUNK_BYTES - 1000));
    const upload = core.prepareUpload(v, ticket.ticketId, { name: 'dump.bin', type: 'application/octet-stream', size: bytes.length });
    const real = httpAttachments(url, requesterToken);
    let down = false;
    let running = 0;
    const runs = [{ peak: 0, stored: [] as number[], sent: [] as number[] }];
    const transport: core.UploadTransport = {
      ...real,
      async putChunk(ticketId, attachmentId, index, chunk, signal) {
        const run = runs.at(-1)!;
        run.sent.push(index);
        run.peak = Math.max(run.peak, ++running);
        try {
          if (down) throw new ApiCallError(0, 'network', 'the connection dropped');
          await real.putChunk(ticketId, attachmentId, index, chunk, signal);
          run.stored.push(index);
          if (runs.length === 1 && run.stored.length === 2) down = true;
        } finally {
          running--;
        }
      },
    };
    const resumes: number[] = [];

    // When it is uploaded as `attach` does
    const done = await uploadResuming(upload, (from) => [bytes.subarray(from)], transport, {
      onResume: (inFlight) => {
        resumes.push(inFlight);
        down = false;
        runs.push({ peak: 0, stored: [], sent: [] });
      },
    });

    // Then it resumed once, at two chunks in flight, without re-sending a stored chunk
    expect(resumes).toEqual([2]);
    expect(runs[1]!.peak).toBeLessThanOrEqual(2);
    expect(runs[1]!.stored.length).toBeGreaterThan(2);
    expect(runs[1]!.sent.filter((i) => runs[0]!.stored.includes(i))).toEqual([]);
    // And the file is whole
    expect(done).toMatchObject({ complete: true, chunkCount: 10 });
    const ticketView = { ticketId: ticket.ticketId, requesterSignPk: p.toB64(requester.keys.sign.publicKey) };
    const pieces: Uint8Array[] = [];
    for await (const piece of core.downloadAttachment(v, ticketView, done, real)) pieces.push(piece);
    expect(Buffer.compare(Buffer.concat(pieces), Buffer.from(bytes))).toBe(0);
  });
});
