// Attachments, client side (PROTOCOL.md §5, API.md "Attachments"): seal the metadata, stream a
// file up chunk by chunk with several chunks in flight, resume without re-sending stored chunks,
// and stream one down, decrypting and checking every chunk. No network here: the caller injects a
// transport (the web worker's RPC to the page's api.ts, the CLI's api.ts).
//
// SECURITY: the file key F is only ever inside a PreparedUpload (which the caller keeps where the
// vault lives, never in the page) or re-opened from verified metadata inside downloadAttachment;
// AttachmentView, what a UI shows, carries no key.
import {
  asSignPublicKey,
  attachmentLayout,
  openBodyChunk,
  chunkPlainBytes,
  encryptAttachmentChunk,
  isCryptoError,
  newFileKey,
  newId,
  openAttachmentMeta,
  paddedAttachmentSize,
  plainChunks,
  sealAttachmentMeta,
  SourceSizeError,
  StreamCorruptError,
  StreamTrailingDataError,
  StreamTruncatedError,
  toB64,
  ATTACHMENT_CHUNK_BYTES,
  type AttachmentLayout,
  type ByteSource,
  type ChunkPlace,
  type FileKey,
  type MessageEnvelope,
  type SignSecretKey,
} from '../protocol';
import type { Attachment, AttachmentStatus, CreateAttachmentBody, MessageAuthor } from '../contract';
import { signatureStatusOf, TRUSTED_STATUSES, type SignatureStatus, type Viewer } from './display';
import { CoreError } from './errors';
import { requireKeyLog, type Vault } from './vault';

/**
 * The part of an AbortSignal the drivers use; the worker's and Node's AbortSignal both fit, and
 * the driver hands the caller's own signal on to the transport (fetch).
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

// Both runtimes of the client core (a Web Worker, Node) have timers; its no-DOM, no-Node
// program does not declare them, so the one use is typed here.
const timers = globalThis as unknown as { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };

/** What the driver needs from the network; each call rejects on any non-2xx answer. */
export interface UploadTransport {
  /** POST …/attachments: 201 (or 200 for an identical repeat) with the stored chunks. */
  create(ticketId: string, body: CreateAttachmentBody, signal?: CancelSignal): Promise<AttachmentStatus>;
  /** PUT …/chunks/:index with the raw chunk (application/octet-stream). */
  putChunk(ticketId: string, attachmentId: string, index: number, chunk: Uint8Array, signal?: CancelSignal): Promise<void>;
  /** GET …/attachments/:aid: which chunks the server already holds. */
  status(ticketId: string, attachmentId: string, signal?: CancelSignal): Promise<AttachmentStatus>;
  /** POST …/complete. */
  complete(ticketId: string, attachmentId: string, signal?: CancelSignal): Promise<Attachment>;
}

export interface DownloadTransport {
  /** GET …/chunks/:index: the raw chunk bytes. */
  getChunk(ticketId: string, attachmentId: string, index: number, signal?: CancelSignal): Promise<Uint8Array>;
}

/** Progress in padded plaintext bytes (what is actually sent: the file plus its bucket padding). */
export interface TransferProgress {
  bytesDone: number;
  bytesTotal: number;
  /** Seconds left at the rate of this run so far; null until a chunk has gone through. */
  etaSeconds: number | null;
}

/**
 * Where a transfer seals and opens its chunks: the protocol's own functions (default, inline on
 * the caller's thread), or a runtime's way of running the same functions elsewhere, e.g. the
 * staff CLI's worker thread (cli/staff/chunk-cipher.ts), so that the crypto of one chunk overlaps
 * the network work of the others. SECURITY: a cipher must be exactly these protocol functions
 * (same construction, random nonces, same checks); errors it reports must be the protocol's
 * errors (StreamCorruptError for a chunk that is not this file's chunk i of n).
 */
export interface ChunkCipher {
  /** encryptAttachmentChunk: the sealed chunk (nonce ‖ ciphertext). May consume `plain`. */
  seal(fileKey: FileKey, place: ChunkPlace, plain: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** openBodyChunk: the chunk's plaintext without padding, or StreamCorruptError. May consume `chunk`. */
  open(fileKey: FileKey, layout: AttachmentLayout, index: number, chunk: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** The protocol's functions on the calling thread. */
export const inlineChunkCipher: ChunkCipher = Object.freeze({ seal: encryptAttachmentChunk, open: openBodyChunk });

export interface TransferOptions {
  /** Chunks in flight at once (default 4). */
  inFlight?: number;
  /** Where chunks are sealed and opened (default inlineChunkCipher). */
  cipher?: ChunkCipher;
  signal?: CancelSignal;
  onProgress?: (p: TransferProgress) => void;
  /** Retries per chunk for errors `isRetryable` accepts (default 2; backoff 0.5 s, 1 s, …). */
  retries?: number;
  /** Which transport errors are worth retrying (default: those with `retryable: true`). */
  isRetryable?: (err: unknown) => boolean;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/**
 * One upload, from prepareUpload to a completed attachment. Keep it (in the worker) to resume:
 * uploadAttachment called again with the same object asks the server what it holds and sends
 * only the rest. SECURITY: holds F; never hand it to the page.
 */
export interface PreparedUpload {
  readonly ticketId: string;
  readonly attachmentId: string;
  readonly fileKey: FileKey;
  readonly layout: AttachmentLayout;
  readonly body: CreateAttachmentBody;
  /** Set once the server has acknowledged the create; from then on resuming asks `status`. */
  started: boolean;
}

/**
 * A file source: bytes from the start, or (better, for resuming a large file) a function that
 * gives the bytes from an offset, e.g. `(from) => file.slice(from).stream()`.
 */
export type UploadSource = ByteSource | ((fromByte: number) => ByteSource);

export interface AttachmentLimits {
  maxAttachmentBytes: number;
  maxTicketBytes: number;
}

export type LimitProblem = { kind: 'file_too_large'; name: string; size: number; limit: number } | { kind: 'ticket_total_too_large'; total: number; limit: number };

/**
 * The desk's limits (GET /api/desk policy) checked before anything is sent. Files are limited by
 * their real size; the ticket total, as the server counts it, by padded sizes against the padded
 * ticket limit (the server only ever sees padded sizes).
 */
export function checkAttachmentLimits(
  policy: AttachmentLimits,
  files: readonly { name: string; size: number }[],
  alreadyOnTicket: readonly Pick<Attachment, 'paddedSize'>[] = [],
): LimitProblem[] {
  const problems: LimitProblem[] = [];
  for (const f of files) if (f.size > policy.maxAttachmentBytes) problems.push({ kind: 'file_too_large', name: f.name, size: f.size, limit: policy.maxAttachmentBytes });
  const total = alreadyOnTicket.reduce((n, a) => n + a.paddedSize, 0) + files.reduce((n, f) => n + paddedAttachmentSize(f.size), 0);
  const limit = paddedAttachmentSize(policy.maxTicketBytes);
  if (total > limit) problems.push({ kind: 'ticket_total_too_large', total, limit });
  return problems;
}

function signerOf(v: Vault): SignSecretKey {
  if (v.staff) return v.staff.keys.sign.secretKey;
  if (v.requester) return v.requester.sign.secretKey;
  throw new CoreError('no_keys', 'sign in first');
}

/**
 * Seals the metadata {name, type, size, F} under the ticket's K, signed by this client (the
 * requester, or the signed-in member), and lays out the body. Nothing is sent yet.
 */
export function prepareUpload(v: Vault, ticketId: string, file: { name: string; type: string; size: number }, opts: { chunkBytes?: number } = {}): PreparedUpload {
  const key = v.ticketKeys.get(ticketId);
  if (!key) throw new CoreError('no_ticket_key', 'this ticket has not been opened');
  const signSk = signerOf(v);
  const attachmentId = newId();
  const fileKey = newFileKey();
  const layout = attachmentLayout({ ticketId, attachmentId, plainBytes: file.size, chunkBytes: opts.chunkBytes ?? ATTACHMENT_CHUNK_BYTES });
  const meta: MessageEnvelope = sealAttachmentMeta({ ticketId, attachmentId, key, meta: { name: file.name, type: file.type, size: file.size, fileKey }, authorSignSk: signSk });
  const body: CreateAttachmentBody = {
    attachmentId,
    meta,
    paddedSize: layout.paddedBytes,
    chunkBytes: layout.chunkBytes as CreateAttachmentBody['chunkBytes'],
    chunkCount: layout.chunkCount,
  };
  return { ticketId, attachmentId, fileKey, layout, body, started: false };
}

const sleep = (ms: number, signal?: CancelSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      timers.clearTimeout(timer);
      reject(cancelled());
    };
    const timer = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

const cancelled = () => new CoreError('cancelled', 'the transfer was cancelled');

function progressMeter(total: number, initiallyDone: number, now: () => number, onProgress?: (p: TransferProgress) => void) {
  const started = now();
  let done = initiallyDone;
  let thisRun = 0;
  const report = () => {
    const seconds = (now() - started) / 1000;
    const rate = thisRun > 0 && seconds > 0 ? thisRun / seconds : null;
    onProgress?.({ bytesDone: done, bytesTotal: total, etaSeconds: rate === null ? null : Math.max(0, (total - done) / rate) });
  };
  return {
    add(n: number) {
      done += n;
      thisRun += n;
      report();
    },
    report,
  };
}

/**
 * Bounded parallel runner: `launch` waits while `limit` tasks run; after the first failure it
 * launches nothing more, and `drain` waits for the running ones and throws that failure.
 */
function pool(limit: number, signal?: CancelSignal) {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  return {
    async launch(task: () => Promise<void>) {
      while (running.size >= limit && !failure) await Promise.race(running);
      if (failure) throw failure.error;
      if (signal?.aborted) throw cancelled();
      const p: Promise<void> = task()
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => running.delete(p));
      running.add(p);
    },
    async drain() {
      await Promise.all(running);
      if (signal?.aborted) throw cancelled();
      if (failure) throw failure.error;
    },
  };
}

async function withRetries<T>(what: () => Promise<T>, opts: TransferOptions, signal: CancelSignal | undefined): Promise<T> {
  const retries = opts.retries ?? 2;
  const retryable = opts.isRetryable ?? ((err: unknown) => (err as { retryable?: unknown } | null)?.retryable === true);
  for (let attempt = 0; ; attempt++) {
    try {
      return await what();
    } catch (err) {
      if (signal?.aborted) throw cancelled();
      if (attempt >= retries || !retryable(err)) throw err;
      await sleep(500 * 2 ** attempt, signal);
    }
  }
}

/**
 * Uploads (or resumes) one file: create (or status), then every chunk the server lacks, at most
 * `inFlight` at a time, then complete. The source must yield exactly the size given to
 * prepareUpload (else CoreError `attachment_source_changed`). Encryption runs one chunk ahead of
 * the network at most, so memory stays around (inFlight + 1) chunks whatever the file size.
 * Cancelled (signal) → CoreError `cancelled`; the upload can be resumed later with the same object.
 */
export async function uploadAttachment(upload: PreparedUpload, source: UploadSource, transport: UploadTransport, opts: TransferOptions = {}): Promise<Attachment> {
  const { ticketId, attachmentId, layout } = upload;
  const signal = opts.signal;
  if (signal?.aborted) throw cancelled();
  // Every call is idempotent on the server (API.md), so each may be retried like a chunk.
  const state = await withRetries(() => (upload.started ? transport.status(ticketId, attachmentId, signal) : transport.create(ticketId, upload.body, signal)), opts, signal);
  upload.started = true;
  if (state.complete) return state;
  const stored = new Set(state.storedChunks);
  let storedBytes = 0;
  for (const i of stored) storedBytes += chunkPlainBytes(layout.paddedBytes, layout.chunkBytes, i);
  const meter = progressMeter(layout.paddedBytes, storedBytes, opts.now ?? Date.now, opts.onProgress);
  meter.report();

  let firstMissing = 0;
  while (firstMissing < layout.chunkCount && stored.has(firstMissing)) firstMissing++;
  if (firstMissing < layout.chunkCount) {
    const fromByte = Math.min(firstMissing * layout.chunkBytes, layout.plainBytes);
    const bytes = typeof source === 'function' ? source(fromByte) : source;
    const runner = pool(Math.max(1, opts.inFlight ?? 4), signal);
    const cipher = opts.cipher ?? inlineChunkCipher;
    try {
      const chunks = plainChunks(layout, bytes, { fromIndex: typeof source === 'function' ? firstMissing : 0, skip: (i) => stored.has(i) });
      for await (const { index, plain } of chunks) {
        const plainLength = plain.length; // a cipher may consume (transfer) `plain`
        // Sealing starts before the wait for a free slot: a cipher on another thread seals this
        // chunk while the others are in flight (inline, it is done here, as before).
        const sealed = Promise.resolve(cipher.seal(upload.fileKey, { ...layout, index }, plain));
        sealed.catch(() => undefined); // observed by the task below; never an unhandled rejection
        await runner.launch(async () => {
          const chunk = await sealed;
          await withRetries(() => transport.putChunk(ticketId, attachmentId, index, chunk, signal), opts, signal);
          meter.add(plainLength);
        });
      }
    } catch (err) {
      await runner.drain().catch(() => undefined);
      if (err instanceof SourceSizeError) throw new CoreError('attachment_source_changed', err.message);
      throw err;
    }
    await runner.drain();
  }
  return withRetries(() => transport.complete(ticketId, attachmentId, signal), opts, signal);
}

/** What a UI shows of one attachment: no key, the signature status, the metadata if it opened. */
export interface AttachmentView {
  attachmentId: string;
  uploader: MessageAuthor;
  createdAt: number;
  complete: boolean;
  paddedSize: number;
  signature: SignatureStatus;
  /** Empty when the metadata could not be shown (decryptFailed is then true). */
  name: string;
  type: string;
  size: number;
  decryptFailed: boolean;
}

export interface AttachmentTicket {
  ticketId: string;
  /** The ticket's requester key (RequesterThread / StaffThread `ticket.requesterSignPk`). */
  requesterSignPk: string;
}

function viewerOf(v: Vault, ticket: AttachmentTicket): Viewer {
  // A requester's vault has no staff identity; a signed-in member reads as staff.
  if (!v.staff && v.requester) return { kind: 'requester', ownSignPk: toB64(v.requester.sign.publicKey) };
  return { kind: 'staff', requesterSignPk: ticket.requesterSignPk };
}

/** Opens metadata with the uploader's key (the requester's, or a member's from the VERIFIED key log). */
function openMeta(v: Vault, ticket: AttachmentTicket, a: Attachment): { signature: SignatureStatus; meta: ReturnType<typeof openAttachmentMeta> | null } {
  const place = { kind: 'attachment' as const, ticketId: ticket.ticketId, messageId: a.attachmentId, envelope: a.meta };
  const author = signatureStatusOf(place, a.uploader, viewerOf(v, ticket), requireKeyLog(v));
  // A forged or altered record, or an unknown author: no metadata is opened.
  if (author.signPk === null) return { signature: author.status, meta: null };
  const okStatus = author.status;
  const opened = { ticketId: ticket.ticketId, attachmentId: a.attachmentId, envelope: a.meta, authorSignPk: asSignPublicKey(author.signPk) };
  const key = v.ticketKeys.get(ticket.ticketId);
  if (!key) return { signature: okStatus, meta: null };
  try {
    return { signature: okStatus, meta: openAttachmentMeta({ ...opened, key }) };
  } catch {
    return { signature: okStatus, meta: null };
  }
}

/** The ticket's attachments for display, each with its signature status (same statuses as messages). */
export function openAttachmentList(v: Vault, ticket: AttachmentTicket, attachments: readonly Attachment[]): AttachmentView[] {
  return attachments.map((a) => {
    const { signature, meta } = openMeta(v, ticket, a);
    const base = { attachmentId: a.attachmentId, uploader: a.uploader, createdAt: a.createdAt, complete: a.complete, paddedSize: a.paddedSize, signature };
    return meta ? { ...base, name: meta.name, type: meta.type, size: meta.size, decryptFailed: false } : { ...base, name: '', type: '', size: 0, decryptFailed: true };
  });
}

/**
 * Downloads and decrypts one attachment as a stream of plaintext pieces (in order, padding
 * removed), fetching up to `inFlight` chunks ahead. SECURITY: refuses metadata that is not
 * trusted (CoreError `attachment_untrusted`) before fetching anything; then every chunk must be
 * this file's chunk i of n (`stream_corrupt`: altered, reordered or foreign), all n must come
 * (`stream_truncated`) and no more (`stream_trailing_data`). A consumer must discard what it was
 * given when the generator throws: a failed file is not a shorter file.
 */
export async function* downloadAttachment(
  v: Vault,
  ticket: AttachmentTicket,
  attachment: Attachment,
  transport: DownloadTransport,
  opts: TransferOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const { signature, meta } = openMeta(v, ticket, attachment);
  if (!TRUSTED_STATUSES.includes(signature)) throw new CoreError('attachment_untrusted', 'the attachment metadata is not signed by its uploader');
  if (!meta) throw new CoreError('no_ticket_key', 'the attachment metadata cannot be opened with this ticket key');
  if (!attachment.complete) throw new CoreError('attachment_incomplete', 'the upload of this attachment has not finished');
  let layout: AttachmentLayout;
  try {
    layout = attachmentLayout({ ticketId: ticket.ticketId, attachmentId: attachment.attachmentId, plainBytes: meta.size, chunkBytes: attachment.chunkBytes });
  } catch {
    throw new StreamCorruptError('the server reports a chunk size no client uses');
  }
  // The server's chunk count is not authenticated; the signed size fixes the true one.
  if (attachment.chunkCount < layout.chunkCount) throw new StreamTruncatedError();
  if (attachment.chunkCount > layout.chunkCount) throw new StreamTrailingDataError();
  const signal = opts.signal;
  const meter = progressMeter(layout.paddedBytes, 0, opts.now ?? Date.now, opts.onProgress);
  const ahead = Math.max(1, opts.inFlight ?? 4);
  const cipher = opts.cipher ?? inlineChunkCipher;
  const fileKey = meta.fileKey;
  const pending: Promise<Uint8Array>[] = [];
  let next = 0;
  const fetchNext = () => {
    const index = next++;
    // Each chunk is opened as soon as it arrives (a cipher elsewhere works while the next ones
    // download), and bound to its own index either way; the fetch alone is retried, never a
    // chunk that fails to open.
    const p = withRetries(() => transport.getChunk(ticket.ticketId, attachment.attachmentId, index, signal), opts, signal).then((chunk) =>
      cipher.open(fileKey, layout, index, chunk),
    );
    p.catch(() => undefined); // observed below, in order; never an unhandled rejection
    pending.push(p);
  };
  try {
    for (let index = 0; index < layout.chunkCount; index++) {
      while (next < layout.chunkCount && pending.length < ahead) fetchNext();
      const plain = await pending.shift()!;
      if (signal?.aborted) throw cancelled();
      meter.add(chunkPlainBytes(layout.paddedBytes, layout.chunkBytes, index));
      if (plain.length > 0) yield plain;
    }
  } catch (err) {
    if (signal?.aborted && !isCryptoError(err)) throw cancelled();
    throw err;
  }
}
