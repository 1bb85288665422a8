// Attachment benchmark: `npx tsx bench/attachments.ts`. Writes bench/attachments.json.
// Uploads and downloads a 32 MiB file through the real endpoints on a real port (fetch, one
// chunk per request, as the web client does), encrypting/decrypting with the protocol module on
// the way, and compares with the module's in-memory encryption and decryption speed measured in
// the same run (the floor: what the crypto alone costs).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as p from '../protocol/index';
import { addRequester, addTicket, buildDeskApp, seedDesk } from '../test/server/rotation/seed';

const FILE_BYTES = 32 * 1024 * 1024;
const SOURCE_PIECE = 1024 * 1024; // what a browser file reader typically yields
const MB = 1024 * 1024;

await p.ready();
// The default per-file limit is 25 MiB; the benchmark desk allows its 32 MiB file.
const t = await buildDeskApp({ env: { SEALDESK_LOG_LEVEL: 'warn', SEALDESK_MAX_ATTACHMENT_MB: '64', SEALDESK_MAX_TICKET_MB: '128' } });
try {
  const desk = seedDesk(t);
  const team = desk.addTeamKey([desk.admin]);
  const requester = addRequester(t);
  const ticket = addTicket(t, requester, team.pub);
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const auth = { authorization: `Bearer ${requester.token}` };
  const bytes = new Uint8Array(randomBytes(FILE_BYTES));
  const pieces = function* () {
    for (let off = 0; off < bytes.length; off += SOURCE_PIECE) yield bytes.subarray(off, off + SOURCE_PIECE);
  };

  // Floor: module encryption and decryption in memory.
  const fileKey = p.newFileKey();
  let e0 = performance.now();
  const encrypted: Uint8Array[] = [];
  for await (const c of p.encryptAttachment(fileKey, pieces())) encrypted.push(c);
  const encryptMs = performance.now() - e0;
  e0 = performance.now();
  let plainBytes = 0;
  for await (const c of p.decryptAttachment(fileKey, encrypted)) plainBytes += c.length;
  const decryptMs = performance.now() - e0;
  if (plainBytes !== FILE_BYTES) throw new Error('module round trip lost bytes');

  // Through the endpoints: encrypt while uploading, then download while decrypting.
  const base = `${address}/api/tickets/${ticket.id}/attachments`;
  const attachmentId = p.newId();
  const size = p.encryptedAttachmentSize(FILE_BYTES);
  const chunkCount = Math.ceil((size - p.SECRETSTREAM_HEADER_BYTES) / (p.ATTACHMENT_CHUNK_BYTES + p.SECRETSTREAM_ABYTES));
  const meta = p.sealAttachmentMeta({
    ticketId: ticket.id,
    attachmentId,
    key: ticket.ticketKey,
    meta: { name: 'bench.bin', type: 'application/octet-stream', size: FILE_BYTES, fileKey },
    authorSignSk: requester.keys.sign.secretKey,
  });
  const must = async (res: Response, what: string) => {
    if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
    return res;
  };
  const u0 = performance.now();
  let index = -1;
  for await (const c of p.encryptAttachment(fileKey, pieces())) {
    if (index === -1) {
      const body = JSON.stringify({ attachmentId, meta, header: p.toB64(c), size, chunkCount });
      await must(await fetch(base, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body }), 'announce');
    } else {
      await must(
        await fetch(`${base}/${attachmentId}/chunks/${index}`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: new Uint8Array(c) }),
        `chunk ${index}`,
      );
    }
    index++;
  }
  await must(await fetch(`${base}/${attachmentId}/complete`, { method: 'POST', headers: auth }), 'complete');
  const uploadMs = performance.now() - u0;

  const d0 = performance.now();
  const list = (await (await must(await fetch(base, { headers: auth }), 'list')).json()) as { attachments: { header: string; chunkCount: number }[] };
  const listed = list.attachments[0]!;
  async function* download(): AsyncGenerator<Uint8Array> {
    yield p.fromB64(listed.header);
    for (let i = 0; i < listed.chunkCount; i++) {
      const res = await must(await fetch(`${base}/${attachmentId}/chunks/${i}`, { headers: auth }), `get ${i}`);
      yield new Uint8Array(await res.arrayBuffer());
    }
  }
  let downloaded = 0;
  let same = true;
  for await (const c of p.decryptAttachment(fileKey, download())) {
    same &&= Buffer.compare(Buffer.from(c), Buffer.from(bytes.subarray(downloaded, downloaded + c.length))) === 0;
    downloaded += c.length;
  }
  const downloadMs = performance.now() - d0;
  if (!same || downloaded !== FILE_BYTES) throw new Error('downloaded file differs from the upload');

  const mbps = (ms: number) => Number((FILE_BYTES / MB / (ms / 1000)).toFixed(1));
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    fileMiB: FILE_BYTES / MB,
    chunks: chunkCount,
    transport: 'fetch over a real 127.0.0.1 port, one request per 64 KiB chunk',
    module: { encryptMBps: mbps(encryptMs), decryptMBps: mbps(decryptMs) },
    endpoints: { uploadMBps: mbps(uploadMs), downloadMBps: mbps(downloadMs) },
    /** Endpoint speed as a fraction of the bare module speed (1.0 = no overhead beyond crypto). */
    ratio: { upload: Number((encryptMs / uploadMs).toFixed(2)), download: Number((decryptMs / downloadMs).toFixed(2)) },
  };
  console.log(
    `32 MiB: module encrypt ${result.module.encryptMBps} MB/s, decrypt ${result.module.decryptMBps} MB/s; ` +
      `upload ${result.endpoints.uploadMBps} MB/s (${result.ratio.upload}× module), download ${result.endpoints.downloadMBps} MB/s (${result.ratio.download}× module)`,
  );
  writeFileSync(new URL('./attachments.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await t.close();
}
