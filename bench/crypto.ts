// Crypto benchmark: `npx tsx bench/crypto.ts` (or `npm run bench:crypto`). Writes bench/crypto.json.
// Compares attachment encryption through the protocol module with raw libsodium AEAD chunks on
// the same 32 MiB input, and times message sealing and both Argon2id parameter sets.
// The raw baseline reaches libsodium through protocol/sodium.ts, the project's only importer.
import { writeFileSync } from 'node:fs';
import * as p from '../protocol/index';
import { sodium } from '../protocol/sodium';

const RUNS = 5;
const INPUT_BYTES = 32 * 1024 * 1024;
const SOURCE_CHUNK = 1024 * 1024; // what a file reader typically yields
const MiB = 1024 * 1024;

await p.ready();
const s = sodium();
const input = s.randombytes_buf(INPUT_BYTES);
const fileKey = p.newFileKey();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (fn: () => unknown | Promise<unknown>) => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

// The attachment construction (PROTOCOL.md §5) done by hand: one AEAD per chunk, random nonce.
const layout = p.attachmentLayout({ ticketId: p.newId(), attachmentId: p.newId(), plainBytes: INPUT_BYTES, chunkBytes: p.ATTACHMENT_CHUNK_BYTES });
function rawChunkAead(): number {
  let out = 0;
  const CHUNK = p.ATTACHMENT_CHUNK_BYTES;
  const ad = new Uint8Array(80);
  for (let off = 0; off < INPUT_BYTES; off += CHUNK) {
    const nonce = s.randombytes_buf(24);
    out += 24 + s.crypto_aead_xchacha20poly1305_ietf_encrypt(input.subarray(off, off + CHUNK), ad, null, nonce, fileKey).length;
  }
  return out;
}

function* source(): Generator<Uint8Array> {
  for (let off = 0; off < INPUT_BYTES; off += SOURCE_CHUNK) yield input.subarray(off, off + SOURCE_CHUNK);
}

async function moduleEncrypt(): Promise<number> {
  let out = 0;
  for await (const c of p.encryptAttachment(fileKey, layout, source())) out += c.length;
  return out;
}

// Warm up both paths (JIT, WASM memory growth) before measuring; interleave runs so drift hits both.
rawChunkAead();
await moduleEncrypt();
const rawMs: number[] = [];
const modMs: number[] = [];
for (let i = 0; i < RUNS; i++) {
  rawMs.push(await time(rawChunkAead));
  modMs.push(await time(moduleEncrypt));
}
const rawMBs = INPUT_BYTES / MiB / (median(rawMs) / 1000);
const modMBs = INPUT_BYTES / MiB / (median(modMs) / 1000);

// Message seal + sign: one reply of ~200 bytes, fresh nonce each time.
const author = p.generateStaffKeys();
const ticketId = p.newId();
const messageId = p.newId();
const key = p.newTicketKey();
const payload = { v: 1 as const, body: 'x'.repeat(200), lang: 'en' };
const sealOps: number[] = [];
for (let i = 0; i < RUNS; i++) {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 500) {
    p.sealMessage({ kind: 'message', ticketId, messageId, key, payload, authorSignSk: author.sign.secretKey });
    n++;
  }
  sealOps.push(n / ((performance.now() - t0) / 1000));
}

const deskId = p.newId();
const passphrase = p.generatePassphrase();
const requesterMs: number[] = [];
const staffMs: number[] = [];
for (let i = 0; i < 3; i++) {
  requesterMs.push(await time(() => p.deriveRequesterKeys(passphrase, deskId)));
  staffMs.push(await time(() => p.deriveStaffSecrets('correct horse battery staple', p.newStaffSalt(), p.STAFF_PASSWORD_KDF)));
}

const results = {
  at: new Date().toISOString(),
  node: process.version,
  runs: RUNS,
  attachment: {
    inputMiB: INPUT_BYTES / MiB,
    sourceChunkKiB: SOURCE_CHUNK / 1024,
    rawChunkAeadMBps: Math.round(rawMBs * 10) / 10,
    moduleMBps: Math.round(modMBs * 10) / 10,
    ratio: Math.round((modMBs / rawMBs) * 1000) / 1000,
    target: 0.85,
  },
  messageSealAndSignOpsPerSec: Math.round(median(sealOps)),
  argon2idMs: {
    requester: { ...p.REQUESTER_KDF, medianMs: Math.round(median(requesterMs)) },
    staff: { ...p.STAFF_PASSWORD_KDF, medianMs: Math.round(median(staffMs)) },
  },
};
writeFileSync(new URL('./crypto.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log(`attachment encrypt, ${results.attachment.inputMiB} MiB (median of ${RUNS}):`);
console.log(`  raw libsodium chunk AEAD  ${results.attachment.rawChunkAeadMBps} MiB/s`);
console.log(`  protocol module             ${results.attachment.moduleMBps} MiB/s  (ratio ${results.attachment.ratio}, target ≥ 0.85)`);
console.log(`message seal + sign           ${results.messageSealAndSignOpsPerSec} ops/s`);
for (const who of ['requester', 'staff'] as const) {
  const r = results.argon2idMs[who];
  console.log(`Argon2id ${who.padEnd(9)} (ops ${r.opslimit}, ${r.memlimit / MiB} MiB)  ${r.medianMs} ms`);
}
