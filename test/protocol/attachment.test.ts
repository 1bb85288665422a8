import { beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol/index';
import { collect, expectCryptoErrorAsync, joinBytes, loadSodium } from './helpers';

beforeAll(loadSodium);

const CHUNK = 64 * 1024;

function pattern(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
}

/** Yields `data` in pieces of the given sizes (cycled), to exercise re-chunking. */
async function* pieces(data: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let off = 0;
  for (let i = 0; off < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield data.slice(off, off + n);
    off += n;
  }
}

async function encrypt(key: p.FileKey, data: Uint8Array, sizes = [data.length || 1]) {
  return collect(p.encryptAttachment(key, pieces(data, sizes)));
}

describe('encryptAttachment / decryptAttachment', () => {
  for (const size of [0, 1, 65_535, 65_536, 65_537, 1_000_003]) {
    it(`round-trips ${size} bytes with the documented framing`, async () => {
      const key = p.newFileKey();
      const data = pattern(size);
      const chunks = await encrypt(key, data);
      expect(chunks[0]).toHaveLength(24);
      const total = chunks.reduce((n, c) => n + c.length, 0);
      expect(total).toBe(p.encryptedAttachmentSize(size));
      const back = joinBytes(await collect(p.decryptAttachment(key, chunks)));
      expect(Buffer.compare(back, data)).toBe(0);
    });
  }

  it('produces the same framing whatever sizes the source yields', async () => {
    const key = p.newFileKey();
    const data = pattern(3 * CHUNK + 100);
    const odd = await encrypt(key, data, [1, 7, 70_000, 13, CHUNK, CHUNK + 1]);
    expect(odd.map((c) => c.length)).toEqual([24, CHUNK + 17, CHUNK + 17, CHUNK + 17, 100 + 17]);
    // Decryption also re-chunks: feed the ciphertext one odd slice at a time.
    const ct = joinBytes(odd);
    const back = joinBytes(await collect(p.decryptAttachment(key, pieces(ct, [5, 99_999, 3]))));
    expect(Buffer.compare(back, data)).toBe(0);
  });

  it('detects a stream cut before its final chunk', async () => {
    const key = p.newFileKey();
    const chunks = await encrypt(key, pattern(2 * CHUNK + 5));
    await expectCryptoErrorAsync(() => collect(p.decryptAttachment(key, chunks.slice(0, -1))), 'stream_truncated');
    await expectCryptoErrorAsync(() => collect(p.decryptAttachment(key, chunks.slice(0, 1))), 'stream_truncated');
    await expectCryptoErrorAsync(() => collect(p.decryptAttachment(key, [])), 'stream_truncated');
  });

  it('detects reordered chunks', async () => {
    const key = p.newFileKey();
    const [h, a, b, c] = await encrypt(key, pattern(2 * CHUNK + 5));
    await expectCryptoErrorAsync(() => collect(p.decryptAttachment(key, [h!, b!, a!, c!])), 'stream_corrupt');
  });

  it('detects data appended after the final chunk', async () => {
    const key = p.newFileKey();
    const chunks = await encrypt(key, pattern(CHUNK));
    await expectCryptoErrorAsync(() => collect(p.decryptAttachment(key, [...chunks, new Uint8Array([0])])), 'stream_trailing_data');
    // After a short final chunk the boundary is unknowable (chunks carry no length), so the
    // appended bytes make the last chunk fail authentication instead: still refused, still typed.
    const short = await encrypt(key, pattern(10));
    await expectCryptoErrorAsync(() => collect(p.decryptAttachment(key, [...short, short[1]!])), 'stream_corrupt');
  });

  it('detects a flipped byte and a wrong key', async () => {
    const key = p.newFileKey();
    const chunks = await encrypt(key, pattern(1000));
    const bad = chunks.map((c) => c.slice());
    bad[1]![500]! ^= 1;
    await expectCryptoErrorAsync(() => collect(p.decryptAttachment(key, bad)), 'stream_corrupt');
    await expectCryptoErrorAsync(() => collect(p.decryptAttachment(p.newFileKey(), chunks)), 'stream_corrupt');
  });
});

describe('attachment metadata', () => {
  it('round-trips {name, type, size, fileKey} under K and refuses it on another ticket', () => {
    const author = p.generateStaffKeys();
    const ticketId = p.newId();
    const attachmentId = p.newId();
    const key = p.newTicketKey();
    const meta = { name: 'log.txt', type: 'text/plain', size: 12, fileKey: p.newFileKey() };
    const envelope = p.sealAttachmentMeta({ ticketId, attachmentId, key, meta, authorSignSk: author.sign.secretKey });
    const opened = p.openAttachmentMeta({ ticketId, attachmentId, key, envelope, authorSignPk: author.sign.publicKey });
    expect({ ...opened, fileKey: p.toB64(opened.fileKey) }).toEqual({ ...meta, fileKey: p.toB64(meta.fileKey) });
    expect(() => p.openAttachmentMeta({ ticketId: p.newId(), attachmentId, key, envelope, authorSignPk: author.sign.publicKey })).toThrow(p.SignatureError);
  });
});
