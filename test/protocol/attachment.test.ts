import { beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol/index';
import { collect, expectCryptoErrorAsync, joinBytes, loadSodium } from './helpers';

beforeAll(loadSodium);

const CHUNK = 64 * 1024;
const KiB = 1024;
const MiB = 1024 * 1024;

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

const layoutFor = (size: number, chunkBytes = CHUNK) => p.attachmentLayout({ ticketId: p.newId(), attachmentId: p.newId(), plainBytes: size, chunkBytes });

async function encrypt(key: p.FileKey, layout: p.AttachmentLayout, data: Uint8Array, sizes = [data.length || 1]) {
  return collect(p.encryptAttachment(key, layout, pieces(data, sizes)));
}

describe('size buckets (PROTOCOL.md §5.1)', () => {
  it('pads to 64 KiB, then to quarter steps of the power of two below', () => {
    const cases: [number, number][] = [
      [0, 64 * KiB],
      [1, 64 * KiB],
      [64 * KiB, 64 * KiB],
      [64 * KiB + 1, 80 * KiB],
      [100_000, 112 * KiB],
      [128 * KiB, 128 * KiB],
      [MiB, MiB],
      [MiB + 1, 1.25 * MiB],
      [1.5 * MiB + 1, 1.75 * MiB],
      [25 * MiB, 28 * MiB],
      [100 * MiB, 112 * MiB],
    ];
    for (const [size, padded] of cases) {
      expect(p.paddedAttachmentSize(size), `pad(${size})`).toBe(padded);
      expect(p.isPaddedAttachmentSize(padded)).toBe(true);
    }
    expect(p.isPaddedAttachmentSize(100_000)).toBe(false);
    expect(p.isPaddedAttachmentSize(0)).toBe(false);
  });

  it('never pads by more than a quarter above 64 KiB', () => {
    for (let size = 64 * KiB + 1; size < 64 * MiB; size = Math.ceil(size * 1.07)) {
      const padded = p.paddedAttachmentSize(size);
      expect(padded).toBeGreaterThanOrEqual(size);
      expect(padded / size).toBeLessThanOrEqual(1.25);
    }
  });
});

describe('encryptAttachment / decryptAttachment', () => {
  for (const size of [0, 1, 65_535, 65_536, 65_537, 1_000_003]) {
    it(`round-trips ${size} bytes with the documented framing`, async () => {
      const key = p.newFileKey();
      const data = pattern(size);
      const layout = layoutFor(size);
      const chunks = await encrypt(key, layout, data, [7_001, 100_000]);
      // Every chunk but the last is chunkBytes + 40; the chunks cover exactly the padded size.
      expect(chunks).toHaveLength(layout.chunkCount);
      expect(chunks.slice(0, -1).every((c) => c.length === CHUNK + 40)).toBe(true);
      expect(chunks.reduce((n, c) => n + c.length - 40, 0)).toBe(p.paddedAttachmentSize(size));
      const back = joinBytes(await collect(p.decryptAttachment(key, layout, chunks)));
      expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
    });
  }

  it('seals each chunk independently: any chunk re-sealed later decrypts in its place', async () => {
    const key = p.newFileKey();
    const data = pattern(200_000);
    const layout = layoutFor(data.length);
    const chunks = await encrypt(key, layout, data);
    const padded = new Uint8Array(layout.paddedBytes);
    padded.set(data);
    const again = p.encryptAttachmentChunk(key, { ...layout, index: 1 }, padded.subarray(CHUNK, 2 * CHUNK));
    expect(Buffer.compare(Buffer.from(again), Buffer.from(chunks[1]!))).not.toBe(0);
    const back = joinBytes(await collect(p.decryptAttachment(key, layout, [chunks[0]!, again, ...chunks.slice(2)])));
    expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
  });

  it('detects truncation, extension, reordering, tampering, foreign chunks and a wrong key', async () => {
    const key = p.newFileKey();
    const data = pattern(200_000);
    const layout = layoutFor(data.length);
    const chunks = await encrypt(key, layout, data);
    const run = (parts: Uint8Array[], k = key, l = layout) => collect(p.decryptAttachment(k, l, parts));
    await expectCryptoErrorAsync(() => run(chunks.slice(0, -1)), 'stream_truncated');
    await expectCryptoErrorAsync(() => run([]), 'stream_truncated');
    await expectCryptoErrorAsync(() => run([...chunks, chunks[0]!]), 'stream_trailing_data');
    await expectCryptoErrorAsync(() => run([chunks[1]!, chunks[0]!, ...chunks.slice(2)]), 'stream_corrupt');
    const bad = chunks.map((c) => c.slice());
    bad[1]![50] = bad[1]![50]! ^ 1;
    await expectCryptoErrorAsync(() => run(bad), 'stream_corrupt');
    await expectCryptoErrorAsync(() => run(chunks, p.newFileKey()), 'stream_corrupt');
    // The same key and index, but another attachment (or ticket): the AD differs.
    await expectCryptoErrorAsync(() => run(chunks, key, { ...layout, attachmentId: p.newId() }), 'stream_corrupt');
    await expectCryptoErrorAsync(() => run(chunks, key, { ...layout, ticketId: p.newId() }), 'stream_corrupt');
    // A server that cuts the stream and claims fewer chunks: chunk 0 was sealed for n, not n − 1.
    const shorter = { ...layout, chunkCount: layout.chunkCount - 1 };
    await expectCryptoErrorAsync(() => run(chunks.slice(0, -1), key, shorter), 'stream_corrupt');
  });

  it('refuses a source that is longer or shorter than the declared size', async () => {
    const layout = layoutFor(1000);
    await expect(collect(p.encryptAttachment(p.newFileKey(), layout, [pattern(999)]))).rejects.toBeInstanceOf(p.SourceSizeError);
    await expect(collect(p.encryptAttachment(p.newFileKey(), layout, [pattern(1001)]))).rejects.toBeInstanceOf(p.SourceSizeError);
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
