// The staff CLI seals and opens attachment chunks on a worker thread, as the web app does in its
// crypto worker: the client core's drivers (core.uploadAttachment / downloadAttachment) then
// encrypt or decrypt one chunk while this thread sends and receives the others, instead of doing
// both on one thread (docs/DECISIONS.md "Attachment throughput", CLI chunk cipher). The thread
// runs exactly the protocol's functions (chunk-cipher-worker.ts); only bytes, the file key and the
// chunk's place cross the boundary, and the protocol's errors are rebuilt on this side, so the
// drivers' checks and messages are unchanged.
import { Worker } from 'node:worker_threads';
import type * as core from '../../client-core';
import { CryptoError, StreamCorruptError, type AttachmentLayout, type ChunkPlace, type CryptoErrorCode, type FileKey } from '../../protocol';

/** One chunk for the thread: seal a plaintext chunk, or open a sealed one. */
export type CipherJob =
  { op: 'seal'; fileKey: FileKey; place: ChunkPlace; data: ArrayBuffer } | { op: 'open'; fileKey: FileKey; layout: AttachmentLayout; index: number; data: ArrayBuffer };
export type CipherRequest = CipherJob & { id: number };
export type CipherReply = { id: number; ok: true; bytes: ArrayBuffer } | { id: number; ok: false; error: { code?: CryptoErrorCode; message: string } };

export interface WorkerChunkCipher extends core.ChunkCipher {
  seal(fileKey: FileKey, place: ChunkPlace, plain: Uint8Array): Promise<Uint8Array>;
  open(fileKey: FileKey, layout: AttachmentLayout, index: number, chunk: Uint8Array): Promise<Uint8Array>;
  /** Stops the thread (pending chunks fail); the next seal or open starts a new one. */
  close(): Promise<void>;
}

/**
 * A file of at least this many chunks is sealed or opened on the thread; a smaller one costs less
 * inline than starting the thread (its loader and libsodium, 0.2–0.7 s measured).
 */
export const THREAD_MIN_CHUNKS = 4;

/** The thread for a file of `chunkCount` chunks, or undefined: the client core's inline cipher. */
export const cipherFor = (chunkCount: number, thread: WorkerChunkCipher): core.ChunkCipher | undefined => (chunkCount >= THREAD_MIN_CHUNKS ? thread : undefined);

const ENTRY = new URL('./chunk-cipher-entry.mjs', import.meta.url);

/** SECURITY: the same error the protocol threw, so a chunk that fails to open fails as it would inline. */
function rebuild(error: { code?: CryptoErrorCode; message: string }): Error {
  if (error.code === 'stream_corrupt') return new StreamCorruptError(error.message);
  if (error.code !== undefined) return new CryptoError(error.code, error.message);
  return new Error(`chunk cipher: ${error.message}`);
}

/**
 * The bytes as an ArrayBuffer to hand over by transfer, on either side of the thread: the view's
 * own buffer when it spans all of it (fresh chunks, the transport's sized answers, libsodium's
 * outputs), else a copy — a view into a larger or shared buffer must not carry its neighbours'
 * bytes along, nor detach them.
 */
export function transferable(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : (bytes.slice().buffer as ArrayBuffer);
}

/** A chunk cipher on its own thread, started on first use. */
export function workerChunkCipher(): WorkerChunkCipher {
  let worker: Worker | undefined;
  const pending = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  let nextId = 0;

  const failAll = (err: Error) => {
    for (const [id, job] of [...pending]) {
      pending.delete(id);
      job.reject(err);
    }
  };
  const start = (): Worker => {
    const w = new Worker(ENTRY, { execArgv: [] });
    // Unref'd while idle so that it never keeps the CLI alive; ref'd while chunks are out.
    w.unref();
    w.on('message', (reply: CipherReply) => {
      const job = pending.get(reply.id);
      if (!job) return;
      pending.delete(reply.id);
      if (pending.size === 0) w.unref();
      if (reply.ok) job.resolve(new Uint8Array(reply.bytes));
      else job.reject(rebuild(reply.error));
    });
    w.on('error', (err) => failAll(err));
    w.once('exit', (code) => {
      if (worker === w) worker = undefined;
      failAll(new Error(`chunk cipher thread exited (${code})`));
    });
    return w;
  };
  const run = (request: CipherJob): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      worker ??= start();
      const id = nextId++;
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id }, [request.data]);
    });

  // The file key as its own 32 bytes: a view's whole underlying buffer would be cloned along.
  return {
    seal: (fileKey, place, plain) =>
      run({
        op: 'seal',
        fileKey: fileKey.slice() as FileKey,
        place: { ticketId: place.ticketId, attachmentId: place.attachmentId, index: place.index, chunkCount: place.chunkCount },
        data: transferable(plain),
      }),
    open: (fileKey, layout, index, chunk) => run({ op: 'open', fileKey: fileKey.slice() as FileKey, layout: { ...layout }, index, data: transferable(chunk) }),
    async close() {
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}
