// The staff CLI's chunk cipher on a worker thread (cli/staff/chunk-cipher.ts): the protocol's own
// chunk functions, so what it seals opens inline and the other way round, and a chunk that is not
// this file's chunk i of n fails there exactly as it fails inline. Real thread, real libsodium.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '../../client-core';
import * as p from '../../protocol';
import { cipherFor, THREAD_MIN_CHUNKS, workerChunkCipher } from '../../cli/staff/chunk-cipher';

const thread = workerChunkCipher();
const inline = core.inlineChunkCipher;
const CHUNK = 64 * 1024;

beforeAll(async () => {
  await p.ready();
});
afterAll(async () => {
  await thread.close();
});

const layoutOf = (plainBytes: number) => p.attachmentLayout({ ticketId: p.newId(), attachmentId: p.newId(), plainBytes, chunkBytes: CHUNK });

async function sealAll(cipher: core.ChunkCipher, fileKey: p.FileKey, layout: p.AttachmentLayout, bytes: Uint8Array): Promise<Uint8Array[]> {
  const sealed: Uint8Array[] = [];
  for await (const { index, plain } of p.plainChunks(layout, [bytes])) sealed.push(await cipher.seal(fileKey, { ...layout, index }, plain));
  return sealed;
}
async function openAll(cipher: core.ChunkCipher, fileKey: p.FileKey, layout: p.AttachmentLayout, sealed: Uint8Array[]): Promise<Buffer> {
  const plain: Uint8Array[] = [];
  for (const [index, chunk] of sealed.entries()) plain.push(await cipher.open(fileKey, layout, index, chunk));
  return Buffer.concat(plain);
}

describe('the CLI chunk cipher thread', () => {
  it.each([0, 1, CHUNK - p.ATTACHMENT_CHUNK_OVERHEAD, CHUNK, CHUNK + 1, 5 * CHUNK + 17])('seals what opens inline, and opens what was sealed inline (%i bytes)', async (size) => {
    const bytes = new Uint8Array(randomBytes(size));
    const fileKey = p.newFileKey();
    const layout = layoutOf(size);
    const onThread = await sealAll(thread, fileKey, layout, bytes);
    expect(onThread.map((c) => c.length)).toEqual((await sealAll(inline, fileKey, layout, bytes)).map((c) => c.length));
    expect(Buffer.compare(await openAll(inline, fileKey, layout, onThread), Buffer.from(bytes))).toBe(0);
    expect(Buffer.compare(await openAll(thread, fileKey, layout, await sealAll(inline, fileKey, layout, bytes)), Buffer.from(bytes))).toBe(0);
    // Random nonces on the thread too: the same chunk never seals to the same bytes twice.
    const again = await sealAll(thread, fileKey, layout, bytes);
    expect(Buffer.compare(again[0]!, onThread[0]!)).not.toBe(0);
  });

  it('refuses an altered, moved or foreign chunk with the protocol’s StreamCorruptError', async () => {
    const fileKey = p.newFileKey();
    const layout = layoutOf(3 * CHUNK);
    const sealed = await sealAll(inline, fileKey, layout, new Uint8Array(randomBytes(3 * CHUNK)));
    const altered = sealed[1]!.slice();
    altered[40]! ^= 1;
    const cases: [string, Promise<Uint8Array>][] = [
      ['altered', thread.open(fileKey, layout, 1, altered)],
      ['moved', thread.open(fileKey, layout, 2, sealed[1]!.slice())],
      ['foreign', thread.open(p.newFileKey(), layout, 1, sealed[1]!.slice())],
      ['cut short', thread.open(fileKey, layout, 1, sealed[1]!.slice(0, 20))],
    ];
    for (const [what, opened] of cases) {
      const err = await opened.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, what).toBeInstanceOf(p.StreamCorruptError);
      expect(p.isCryptoError(err) && err.code, what).toBe('stream_corrupt');
    }
    // The thread is still there for the next file.
    expect((await thread.open(fileKey, layout, 1, sealed[1]!.slice())).length).toBe(p.chunkPlainBytes(layout.paddedBytes, layout.chunkBytes, 1));
  });

  it('takes a view into a larger buffer without detaching or reading past it', async () => {
    const fileKey = p.newFileKey();
    const layout = layoutOf(CHUNK - p.ATTACHMENT_CHUNK_OVERHEAD);
    let plain: Uint8Array | undefined;
    for await (const chunk of p.plainChunks(layout, [new Uint8Array(randomBytes(layout.plainBytes))])) plain = chunk.plain;
    const big = new Uint8Array(plain!.length + 100);
    big.set(plain!, 50);
    const view = big.subarray(50, 50 + plain!.length);
    const sealed = await thread.seal(fileKey, { ...layout, index: 0 }, view);
    expect(big.byteLength).toBe(plain!.length + 100); // not transferred away
    expect(Buffer.compare(inline.open(fileKey, layout, 0, sealed) as Uint8Array, plain!.subarray(0, layout.plainBytes))).toBe(0);
  });

  it('starts again after close, and only files of THREAD_MIN_CHUNKS or more use it', async () => {
    await thread.close();
    const fileKey = p.newFileKey();
    const layout = layoutOf(10);
    const sealed = await sealAll(thread, fileKey, layout, new Uint8Array(10));
    expect((await openAll(thread, fileKey, layout, sealed)).length).toBe(10);
    expect(cipherFor(THREAD_MIN_CHUNKS - 1, thread)).toBeUndefined();
    expect(cipherFor(THREAD_MIN_CHUNKS, thread)).toBe(thread);
  });
});
