// SPEC §3/§5 attachment bodies (PROTOCOL.md §5). The plaintext is padded with zero bytes to a
// size bucket (so the server never learns the exact size), cut into chunks of `chunkBytes`, and
// every chunk is sealed on its own with XChaCha20-Poly1305 under the per-file key F:
//   chunk_i = nonce_i(24, random) ‖ AEAD(F, nonce_i, p_i, AD_i)
//   AD_i    = utf8("sealdesk/v1/attachment-chunk|" + ticketId + "|" + attachmentId + "|" + i + "|" + n)
// Binding the index and the chunk count into the AD makes a reordered, dropped or foreign chunk
// fail authentication, which is what the chaining of one long secretstream gave us; independent
// chunks are what make parallel uploads and resuming without re-sending possible.
// The stream helpers re-chunk whatever sizes the source yields and hold at most one chunk.
import { AEAD_NONCE_BYTES, ATTACHMENT_CHUNK_AD_PREFIX, ATTACHMENT_CHUNK_OVERHEAD, ATTACHMENT_CHUNK_SIZES, ATTACHMENT_MIN_PADDED_BYTES } from './constants';
import { StreamCorruptError, StreamTrailingDataError, StreamTruncatedError } from './errors';
import { aeadDecrypt, aeadEncrypt, randomBytes } from './primitives';
import { concatBytes, utf8 } from './encoding';
import type { FileKey } from './types';

export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Where a chunk belongs; every field is in its AD. */
export interface ChunkPlace {
  readonly ticketId: string;
  readonly attachmentId: string;
  readonly index: number;
  readonly chunkCount: number;
}

/** The shape of one attachment body, all derived from its plaintext size and chunk size. */
export interface AttachmentLayout {
  readonly ticketId: string;
  readonly attachmentId: string;
  /** The real file size (in the signed metadata, never sent in clear). */
  readonly plainBytes: number;
  readonly chunkBytes: number;
  readonly paddedBytes: number;
  readonly chunkCount: number;
}

/**
 * PROTOCOL.md §5.1 size buckets: 64 KiB for anything up to 64 KiB; above, with 2^e < n ≤ 2^(e+1),
 * n rounded up to a multiple of 2^e / 4 — i.e. 1.25, 1.5, 1.75 or 2 × 2^e. At most 25 % padding;
 * the server learns the power of two and two more bits, never the exact size.
 */
export function paddedAttachmentSize(plainBytes: number): number {
  if (!Number.isSafeInteger(plainBytes) || plainBytes < 0) throw new RangeError('size must be a non-negative integer');
  let upper = ATTACHMENT_MIN_PADDED_BYTES;
  if (plainBytes <= upper) return upper;
  while (upper < plainBytes) upper *= 2;
  const step = upper / 8;
  return Math.ceil(plainBytes / step) * step;
}

/** True when `paddedBytes` is a size paddedAttachmentSize can return (what the server checks). */
export function isPaddedAttachmentSize(paddedBytes: number): boolean {
  return Number.isSafeInteger(paddedBytes) && paddedBytes >= ATTACHMENT_MIN_PADDED_BYTES && paddedAttachmentSize(paddedBytes) === paddedBytes;
}

export function isAttachmentChunkSize(chunkBytes: number): boolean {
  return (ATTACHMENT_CHUNK_SIZES as readonly number[]).includes(chunkBytes);
}

export function attachmentChunkCount(paddedBytes: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil(paddedBytes / chunkBytes));
}

/** Plaintext bytes of chunk `index` (every chunk is full but the last, which holds the remainder). */
export function chunkPlainBytes(paddedBytes: number, chunkBytes: number, index: number): number {
  return Math.min(chunkBytes, paddedBytes - index * chunkBytes);
}

/** Exact wire length of chunk `index`. */
export function chunkCipherBytes(paddedBytes: number, chunkBytes: number, index: number): number {
  return chunkPlainBytes(paddedBytes, chunkBytes, index) + ATTACHMENT_CHUNK_OVERHEAD;
}

export function attachmentLayout(input: { ticketId: string; attachmentId: string; plainBytes: number; chunkBytes: number }): AttachmentLayout {
  if (!isAttachmentChunkSize(input.chunkBytes)) throw new RangeError(`chunk size must be one of ${ATTACHMENT_CHUNK_SIZES.join(', ')}`);
  const paddedBytes = paddedAttachmentSize(input.plainBytes);
  return { ...input, paddedBytes, chunkCount: attachmentChunkCount(paddedBytes, input.chunkBytes) };
}

export function attachmentChunkAd(place: ChunkPlace): Uint8Array {
  return utf8(`${ATTACHMENT_CHUNK_AD_PREFIX}${place.ticketId}|${place.attachmentId}|${place.index}|${place.chunkCount}`);
}

/** Internal (known-answer vectors): the same with a fixed nonce. Everything else uses a random one. */
export function encryptAttachmentChunkWithNonce(fileKey: FileKey, place: ChunkPlace, plain: Uint8Array, nonce: Uint8Array): Uint8Array {
  return concatBytes(nonce, aeadEncrypt(plain, attachmentChunkAd(place), nonce, fileKey));
}

export function encryptAttachmentChunk(fileKey: FileKey, place: ChunkPlace, plain: Uint8Array): Uint8Array {
  return encryptAttachmentChunkWithNonce(fileKey, place, plain, randomBytes(AEAD_NONCE_BYTES));
}

/**
 * SECURITY: throws StreamCorruptError for any chunk that is not exactly this attachment's chunk
 * `index` of `chunkCount` under F: altered, moved to another index, from another attachment or
 * ticket, or sealed for a different chunk count (a cut-short or padded-out stream).
 */
export function decryptAttachmentChunk(fileKey: FileKey, place: ChunkPlace, chunk: Uint8Array): Uint8Array {
  if (chunk.length < ATTACHMENT_CHUNK_OVERHEAD) throw new StreamCorruptError(`chunk ${place.index} is too short`);
  try {
    return aeadDecrypt(chunk.subarray(AEAD_NONCE_BYTES), attachmentChunkAd(place), chunk.subarray(0, AEAD_NONCE_BYTES), fileKey);
  } catch {
    throw new StreamCorruptError(`chunk ${place.index} does not authenticate: altered, reordered or from another file`);
  }
}

/** A source that yields more or fewer bytes than the layout declares. */
export class SourceSizeError extends RangeError {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`the file was ${expected} bytes when the upload began and is now ${actual === -1 ? 'longer' : actual}`);
    this.name = 'SourceSizeError';
  }
}

/**
 * The padded plaintext of every chunk, in order, from a source of exactly `layout.plainBytes`
 * bytes (any piece sizes); throws SourceSizeError if the source is longer or shorter.
 * `fromIndex`: the source starts at byte fromIndex × chunkBytes (capped at the file size), for a
 * resume that can seek. `skip(index)` true: the chunk is read past but not copied or yielded.
 */
export async function* plainChunks(
  layout: AttachmentLayout,
  source: ByteSource,
  opts: { fromIndex?: number; skip?: (index: number) => boolean } = {},
): AsyncGenerator<{ index: number; plain: Uint8Array }, void, undefined> {
  const { paddedBytes, chunkBytes, chunkCount, plainBytes } = layout;
  const skip = opts.skip ?? (() => false);
  let index = opts.fromIndex ?? 0;
  const fresh = () => new Uint8Array(index < chunkCount ? chunkPlainBytes(paddedBytes, chunkBytes, index) : 0);
  let buf = fresh();
  let fill = 0;
  const start = Math.min(index * chunkBytes, plainBytes);
  let read = start;
  for await (const input of source) {
    read += input.length;
    if (read > plainBytes) throw new SourceSizeError(plainBytes, -1);
    let off = 0;
    while (off < input.length) {
      const n = Math.min(buf.length - fill, input.length - off);
      if (!skip(index)) buf.set(input.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === buf.length) {
        if (!skip(index)) yield { index, plain: buf };
        index++;
        fill = 0;
        // A fresh buffer each time: the consumer may still hold the last one.
        buf = fresh();
      }
    }
  }
  if (read !== plainBytes) throw new SourceSizeError(plainBytes, read);
  // The tail: zero padding up to the bucket (fresh buffers are zero-filled).
  for (; index < chunkCount; index++, buf = fresh()) {
    if (!skip(index)) yield { index, plain: buf };
  }
}

/** The whole body, chunk by chunk, in order (convenience for tests, vectors and the CLI). */
export async function* encryptAttachment(fileKey: FileKey, layout: AttachmentLayout, source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const { index, plain } of plainChunks(layout, source)) {
    yield encryptAttachmentChunk(fileKey, { ...layout, index }, plain);
  }
}

/**
 * Chunk `index` of a body, decrypted, checked and without its padding (empty for a chunk of
 * padding only). SECURITY: StreamCorruptError for a chunk that is not this file's chunk i of n
 * (decryptAttachmentChunk), has the wrong length, or pads with anything but zeros.
 */
export function openBodyChunk(fileKey: FileKey, layout: AttachmentLayout, index: number, chunk: Uint8Array): Uint8Array {
  const plain = decryptAttachmentChunk(fileKey, { ...layout, index }, chunk);
  if (plain.length !== chunkPlainBytes(layout.paddedBytes, layout.chunkBytes, index)) throw new StreamCorruptError(`chunk ${index} has the wrong length`);
  const real = Math.max(0, Math.min(plain.length, layout.plainBytes - index * layout.chunkBytes));
  for (let i = real; i < plain.length; i++) if (plain[i] !== 0) throw new StreamCorruptError('the padding is not zeros');
  return plain.subarray(0, real);
}

/**
 * Decrypts the chunks of one body, given in order, one source item per chunk, and yields the
 * plaintext without its padding. SECURITY: throws (and yields nothing more) on a chunk that
 * fails (stream_corrupt), on fewer chunks than the layout (stream_truncated) or more
 * (stream_trailing_data).
 */
export async function* decryptAttachment(fileKey: FileKey, layout: AttachmentLayout, chunks: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  let index = 0;
  for await (const chunk of chunks) {
    if (index >= layout.chunkCount) throw new StreamTrailingDataError();
    const plain = openBodyChunk(fileKey, layout, index++, chunk);
    if (plain.length > 0) yield plain;
  }
  if (index < layout.chunkCount) throw new StreamTruncatedError();
}
