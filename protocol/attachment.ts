// SPEC §3/§5 attachment bodies: crypto_secretstream_xchacha20poly1305 under a per-file key F.
// Wire form: 24-byte header, then chunks of (64 KiB plaintext + 17) bytes, the last one shorter
// or equal and tagged TAG_FINAL; an empty file is the header plus one 17-byte final chunk.
// Both directions are async generators that re-chunk whatever sizes the source yields and hold
// at most one chunk, never the whole file.
import { ATTACHMENT_CHUNK_BYTES, SECRETSTREAM_ABYTES, SECRETSTREAM_HEADER_BYTES } from './constants';
import { StreamCorruptError, StreamTrailingDataError, StreamTruncatedError } from './errors';
import { sodium } from './sodium';
import type { FileKey } from './types';

export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

const CIPHER_CHUNK_BYTES = ATTACHMENT_CHUNK_BYTES + SECRETSTREAM_ABYTES;

/** Plaintext size → exact ciphertext size (header + per-chunk overhead); for quotas and progress. */
export function encryptedAttachmentSize(plaintextBytes: number): number {
  const chunks = Math.max(1, Math.ceil(plaintextBytes / ATTACHMENT_CHUNK_BYTES));
  return SECRETSTREAM_HEADER_BYTES + plaintextBytes + chunks * SECRETSTREAM_ABYTES;
}

export async function* encryptAttachment(fileKey: FileKey, source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  const s = sodium();
  const TAG_MESSAGE = s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
  const { state, header } = s.crypto_secretstream_xchacha20poly1305_init_push(fileKey);
  yield header;

  // A chunk can only be tagged once we know whether more data follows, so the last full chunk of
  // each input is held in `buf` until the next input (or the end) arrives.
  const buf = new Uint8Array(ATTACHMENT_CHUNK_BYTES);
  let fill = 0;
  for await (const input of source) {
    let off = 0;
    while (off < input.length) {
      if (fill === ATTACHMENT_CHUNK_BYTES) {
        yield s.crypto_secretstream_xchacha20poly1305_push(state, buf, null, TAG_MESSAGE);
        fill = 0;
      }
      // Fast path: a whole chunk inside this input with more bytes after it is certainly not the
      // last chunk, so it is encrypted straight from the caller's buffer without a copy.
      if (fill === 0 && input.length - off > ATTACHMENT_CHUNK_BYTES) {
        yield s.crypto_secretstream_xchacha20poly1305_push(state, input.subarray(off, off + ATTACHMENT_CHUNK_BYTES), null, TAG_MESSAGE);
        off += ATTACHMENT_CHUNK_BYTES;
        continue;
      }
      const n = Math.min(ATTACHMENT_CHUNK_BYTES - fill, input.length - off);
      buf.set(input.subarray(off, off + n), fill);
      fill += n;
      off += n;
    }
  }
  // SECURITY: TAG_FINAL marks the true end; without it a truncated upload would decrypt cleanly.
  yield s.crypto_secretstream_xchacha20poly1305_push(state, buf.subarray(0, fill), null, s.crypto_secretstream_xchacha20poly1305_TAG_FINAL);
}

export async function* decryptAttachment(fileKey: FileKey, source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  const s = sodium();
  const TAG_MESSAGE = s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
  const TAG_FINAL = s.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  const header = new Uint8Array(SECRETSTREAM_HEADER_BYTES);
  let headerFill = 0;
  let state: ReturnType<typeof s.crypto_secretstream_xchacha20poly1305_init_pull> | undefined;
  const buf = new Uint8Array(CIPHER_CHUNK_BYTES);
  let fill = 0;
  let finished = false;

  const pull = (chunk: Uint8Array): Uint8Array => {
    let res: { message: Uint8Array; tag: number } | false;
    try {
      res = s.crypto_secretstream_xchacha20poly1305_pull(state!, chunk, null);
    } catch {
      res = false;
    }
    // SECURITY: only MESSAGE and FINAL are produced by encryptAttachment; PUSH/REKEY tags mean
    // someone else built this stream.
    if (!res || (res.tag !== TAG_MESSAGE && res.tag !== TAG_FINAL)) throw new StreamCorruptError();
    if (res.tag === TAG_FINAL) finished = true;
    return res.message;
  };

  for await (const input of source) {
    let off = 0;
    if (state === undefined) {
      const n = Math.min(SECRETSTREAM_HEADER_BYTES - headerFill, input.length);
      header.set(input.subarray(0, n), headerFill);
      headerFill += n;
      off = n;
      if (headerFill < SECRETSTREAM_HEADER_BYTES) continue;
      try {
        state = s.crypto_secretstream_xchacha20poly1305_init_pull(header, fileKey);
      } catch {
        throw new StreamCorruptError('attachment header is invalid');
      }
    }
    while (off < input.length) {
      if (finished) throw new StreamTrailingDataError();
      if (fill === 0 && input.length - off >= CIPHER_CHUNK_BYTES) {
        // Ciphertext chunks have a fixed size, so a full one can be opened at once, copy-free.
        yield pull(input.subarray(off, off + CIPHER_CHUNK_BYTES));
        off += CIPHER_CHUNK_BYTES;
        continue;
      }
      const n = Math.min(CIPHER_CHUNK_BYTES - fill, input.length - off);
      buf.set(input.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === CIPHER_CHUNK_BYTES) {
        fill = 0;
        yield pull(buf);
      }
    }
  }
  if (state === undefined) throw new StreamTruncatedError();
  if (fill > 0) {
    if (finished) throw new StreamTrailingDataError();
    if (fill < SECRETSTREAM_ABYTES) throw new StreamTruncatedError();
    const last = pull(buf.subarray(0, fill));
    if (!finished) throw new StreamTruncatedError();
    yield last;
    return;
  }
  // SECURITY: a stream that stops on a chunk boundary without TAG_FINAL was cut short.
  if (!finished) throw new StreamTruncatedError();
}
