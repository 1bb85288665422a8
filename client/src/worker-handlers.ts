// The crypto worker's dispatch table: each RPC method is one client-core call on the worker's one
// vault, with KDF progress around the slow ones. Kept apart from worker.ts (which only wires
// `self`) so tests call the very table the browser runs, in Node.
import * as core from '../../client-core';
import { MAX_CLEAN_BYTES, sniffImage, stripMetadata } from '../../client-core/metadata';
import { ATTACHMENT_CHUNK_BYTES, CryptoError, estimateArgon2idMs, REQUESTER_KDF, solvePow, type KdfParams } from '../../protocol';
import * as api from './api';
import type { Attachment, AttachmentInspection, AttachmentView, ProgressEvent, RpcMethods } from './rpc';

export type Handler<M extends keyof RpcMethods> = (
  params: RpcMethods[M]['params'],
  progress: (p: ProgressEvent) => void,
) => RpcMethods[M]['result'] | Promise<RpcMethods[M]['result']>;

export type Handlers = { [M in keyof RpcMethods]: Handler<M> };

/**
 * Runs `work` between a KDF start and done event. Argon2id is one blocking call, so the start
 * event carries this device's measured estimate: the page turns it into a percent and time left.
 */
function withKdf<T>(progress: (p: ProgressEvent) => void, kdf: KdfParams, work: () => T): T {
  progress({ kind: 'kdf', stage: 'start', expectedMs: Math.round(estimateArgon2idMs(kdf, () => performance.now())) });
  const out = work();
  progress({ kind: 'kdf', stage: 'done' });
  return out;
}

/** The page's grant shape (`sealedKey`) as the core takes it (the wire's `sealed`). */
const wireGrant = (g: { teamKeyVersion: number; sealedKey: string }) => ({ teamKeyVersion: g.teamKeyVersion, sealed: g.sealedKey });

// ---- attachments (docs/DECISIONS.md "Attachments in the web app") ----

/** How long an upload keeps trying to resume after the connection dropped (Tor circuits drop). */
const RESUME_FOR_MS = 10 * 60_000;
const RESUME_BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 20_000, 30_000];
/**
 * The web app sends 1 MiB chunks (ATTACHMENT_CHUNK_BYTES, as the CLI; the largest PROTOCOL.md §5
 * allows), four at a time: each request costs the browser's network stack about as much as a
 * quarter of a MiB on the wire, so 256 KiB chunks ran at a third of the speed (docs/DECISIONS.md "Browser upload speed"). A slow circuit
 * must still finish every request inside the server's 60 s: each resume after a dropped or timed
 * out request halves the chunks in flight (4 → 2 → 1), so one 1 MiB chunk needs ≥ 17 KB/s, what
 * four 256 KiB chunks needed.
 */
const UPLOAD_CHUNK_BYTES = ATTACHMENT_CHUNK_BYTES;
const UPLOAD_IN_FLIGHT = 4;
/** Decrypted pieces are folded into the Blob every few MiB, so the worker holds little of the file. */
const BLOB_FOLD_BYTES = 4 * 1024 * 1024;

/** Network failures and overload are worth waiting out; a refusal (4xx) is not. */
function isTransient(err: unknown): boolean {
  return err instanceof api.ApiError && (err.code === 'network' || err.status === 429 || err.status === 503 || err.status === 502 || err.status === 504);
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new core.CoreError('cancelled', 'the transfer was cancelled'));
      },
      { once: true },
    );
  });

/** A Blob's bytes as a stream of pieces, read as they are needed (never the whole file at once). */
async function* bytesOf(blob: Blob): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = blob.stream().getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** The driver passes on the caller's own signal (an AbortSignal here); its type is the no-DOM subset. */
const asAbort = (s: Parameters<core.UploadTransport['putChunk']>[4]): AbortSignal | undefined => s as AbortSignal | undefined;

const isGif = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38;

async function head(blob: Blob): Promise<Uint8Array> {
  return new Uint8Array(await blob.slice(0, 16).arrayBuffer());
}

/**
 * What will be sent for `file`: an image cleaned of its metadata in memory (bounded by the cap),
 * or the file itself, streamed. SECURITY: this runs before encryption, in the worker.
 */
async function bytesToSend(file: Blob, keepOriginal: boolean): Promise<Blob> {
  if (keepOriginal || file.size > MAX_CLEAN_BYTES || sniffImage(await head(file)) === null) return file;
  const r = stripMetadata(new Uint8Array(await file.arrayBuffer()));
  return r.status === 'cleaned' ? new Blob([r.bytes as Uint8Array<ArrayBuffer>]) : file;
}

async function inspect(file: Blob): Promise<AttachmentInspection> {
  if (sniffImage(await head(file)) === null) return { status: 'unsupported', removed: [] };
  const r = stripMetadata(file.size > MAX_CLEAN_BYTES ? await head(file) : new Uint8Array(await file.arrayBuffer()));
  if (file.size > MAX_CLEAN_BYTES || r.status !== 'cleaned') return { status: 'failed', removed: [] };
  return { status: 'cleaned', removed: r.removed };
}

/** A name the metadata schema accepts (1–255 characters). */
function attachmentName(name: string): string {
  const chars = Array.from(name.trim());
  return chars.length === 0 ? 'attachment' : chars.slice(0, 255).join('');
}

/** The handler table over `vault` (the worker passes its one vault: its memory). */
export function createHandlers(vault: core.Vault = core.createVault()): Handlers {
  // SECURITY: these hold file keys (inside PreparedUpload) and records to download; wipe drops them.
  const transfers = new Map<string, AbortController>();
  const opened = new Map<string, Attachment>();
  /** The requester key of each ticket staff opened here: an uploader 'requester' is checked against it. */
  const requesterKeys = new Map<string, string>();
  const openedKey = (ticketId: string, attachmentId: string): string => `${ticketId}|${attachmentId}`;

  return {
    init: ({ deskId }) => {
      core.initDesk(vault, deskId);
      return { ok: true };
    },
    verifyKeyLog: ({ entries, pinnedFingerprint }) => core.trustKeyLog(vault, entries, pinnedFingerprint),
    generatePassphrase: () => ({ passphrase: core.newPassphrase() }),
    deriveRequesterKeys: ({ passphrase }, progress) => withKdf(progress, REQUESTER_KDF, () => core.unlockRequester(vault, passphrase)),
    solvePow: async ({ challenge }, progress) => ({
      nonce: await solvePow(challenge, { onProgress: (attempts) => progress({ kind: 'pow', attempts }) }),
    }),
    signRequesterChallenge: ({ challenge }) => core.signSessionChallenge(vault, challenge),
    createTicket: ({ content }) => core.sealNewTicket(vault, content),
    openMyTickets: ({ tickets }) => core.openMyTickets(vault, tickets),
    openThread: ({ ticketId, messages }) => ({ messages: core.openRequesterThread(vault, ticketId, messages) }),
    sealReply: ({ ticketId, body, lang }) => core.sealRequesterReply(vault, ticketId, body, lang),
    staffDeriveSecrets: (p, progress) => withKdf(progress, p, () => core.deriveStaffLogin(vault, p)),
    staffUnlock: ({ staffId, keyBlob, grants, labelKeyWraps = [] }) =>
      core.unlockStaff(vault, { staffId, keyBlob, grants: grants.map(wireGrant), labelKeyWraps: labelKeyWraps.map(wireGrant) }),
    staffDirectory: () => ({ staff: core.staffDirectory(vault) }),
    staffOpenQueue: ({ tickets }) => ({ summaries: core.openQueue(vault, tickets) }),
    staffOpenTicket: ({ ticket, messages }) => {
      requesterKeys.set(ticket.ticketId, ticket.requesterSignPk);
      return core.openStaffThread(vault, ticket, messages);
    },
    staffSealNote: ({ ticketId, body }) => core.sealNote(vault, ticketId, body),
    staffOpenLabels: ({ entries }) => core.openLabels(vault, entries),
    staffSealLabel: ({ name }) => core.sealLabel(vault, name),
    staffSearch: ({ query, categoryNames }) => core.searchOpened(vault, query, categoryNames),
    staffSealReply: ({ ticketId, body, lang }) => core.sealStaffReply(vault, ticketId, body, lang),
    staffPrepareSetup: (p) => core.prepareSetup(vault, p),
    staffPrepareActivation: (p) => core.prepareActivation(p),
    adminRoster: ({ list }) => ({ roster: core.rosterView(vault, list) }),
    adminPrepareAdmission: ({ member, readOut }) => ({ staffAdd: core.prepareAdmission(vault, member, readOut).staffAdd }),
    adminGrantCurrentTeamKey: ({ staffId }) => ({ grant: core.grantCurrentTeamKey(vault, staffId) }),
    adminPrepareDisable: ({ staffId }) => core.prepareDisable(vault, staffId),
    adminPrepareRoleChange: ({ staffId, role }) => core.prepareRoleChange(vault, staffId, role),
    adminRecordEntry: ({ entry }) => {
      core.recordKeyLogEntry(vault, entry);
      return { ok: true };
    },
    adminRotationStep: ({ status, start }) => ({ step: core.nextRotationStep(vault, status, { start }) }),
    adminRotationBegin: () => core.prepareNewTeamKey(vault),
    adminRotationGrants: ({ version, members }) => ({ grants: core.grantsForMembersWithout(vault, version, members) }),
    adminRewrapBatch: ({ batch, version }) => {
      const { wraps, failed } = core.rewrapBatch(vault, batch, version);
      return { wraps, failed };
    },
    adminRetireEntry: ({ version }) => ({ entry: core.retireEntry(vault, version) }),
    adminPrepareLabelKey: () => ({ body: core.prepareLabelKey(vault) }),
    adminAdoptLabelKey: ({ body }) => {
      core.recordKeyLogEntry(vault, body.entry);
      core.adoptLabelKey(vault, body);
      return { ok: true };
    },
    wipe: () => {
      // The page terminates the worker to be sure; this is for a soft reset between users.
      for (const c of transfers.values()) c.abort();
      transfers.clear();
      opened.clear();
      requesterKeys.clear();
      core.wipeVault(vault);
      return { ok: true };
    },
    inspectAttachment: ({ file }) => inspect(file),
    uploadAttachment: async ({ uploadId, token, ticketId, file, keepOriginal }, progress) => {
      const controller = new AbortController();
      transfers.set(uploadId, controller);
      const signal = controller.signal;
      try {
        const source = await bytesToSend(file, keepOriginal);
        const upload = core.prepareUpload(
          vault,
          ticketId,
          { name: attachmentName(file.name), type: file.type.slice(0, 255), size: source.size },
          { chunkBytes: UPLOAD_CHUNK_BYTES },
        );
        const transport: core.UploadTransport = {
          create: (t, body, s) => api.createAttachment(token, t, body, asAbort(s)),
          status: (t, aid, s) => api.attachmentStatus(token, t, aid, asAbort(s)),
          putChunk: (t, aid, i, chunk, s) => api.putAttachmentChunk(token, t, aid, i, chunk, asAbort(s)),
          complete: (t, aid, s) => api.completeAttachment(token, t, aid, asAbort(s)),
        };
        // Progress in the file's own bytes (the driver counts the padded size it sends).
        let last = { sent: 0, total: source.size };
        const onProgress = (p: core.TransferProgress): void => {
          last = { sent: Math.min(source.size, Math.round((p.bytesDone / Math.max(1, p.bytesTotal)) * source.size)), total: source.size };
          progress({ kind: 'upload', ...last });
        };
        const giveUpAt = Date.now() + RESUME_FOR_MS;
        for (let attempt = 0; ; attempt++) {
          try {
            const done = await core.uploadAttachment(upload, (from) => bytesOf(source.slice(from)), transport, {
              signal,
              onProgress,
              isRetryable: isTransient,
              inFlight: Math.max(1, UPLOAD_IN_FLIGHT >> attempt),
            });
            return { attachmentId: done.attachmentId };
          } catch (err) {
            // A dropped connection: wait, then resume. The driver asks the server which chunks
            // it holds and sends only the others.
            if (signal.aborted || !isTransient(err) || Date.now() > giveUpAt) throw err;
            progress({ kind: 'upload-retry', ...last });
            await sleep(RESUME_BACKOFF_MS[Math.min(attempt, RESUME_BACKOFF_MS.length - 1)]!, signal);
          }
        }
      } finally {
        transfers.delete(uploadId);
      }
    },
    cancelUpload: ({ uploadId }) => {
      transfers.get(uploadId)?.abort();
      return { ok: true };
    },
    openAttachments: ({ ticketId, attachments }) => {
      const views = core.openAttachmentList(vault, { ticketId, requesterSignPk: requesterKeys.get(ticketId) ?? '' }, attachments);
      for (const a of attachments) opened.set(openedKey(ticketId, a.attachmentId), a);
      return {
        attachments: views.map(({ uploader, decryptFailed, ...rest }): AttachmentView => ({
          ...rest,
          uploader: uploader.type,
          // SECURITY: a file whose metadata is not signed by its uploader is shown as a warning, never offered.
          failed: decryptFailed || !core.TRUSTED_STATUSES.includes(rest.signature),
        })),
      };
    },
    downloadAttachment: async ({ token, ticketId, attachmentId, purpose }, progress) => {
      const record = opened.get(openedKey(ticketId, attachmentId));
      if (!record) throw new core.CoreError('no_ticket_key', 'open the ticket before downloading its files');
      const controller = new AbortController();
      const id = `download:${ticketId}|${attachmentId}|${purpose}`;
      transfers.set(id, controller);
      try {
        const transport: core.DownloadTransport = { getChunk: (t, aid, i, s) => api.getAttachmentChunk(token, t, aid, i, asAbort(s)) };
        let blob = new Blob([]);
        let pending: Uint8Array[] = [];
        let pendingBytes = 0;
        let first: Uint8Array | null = null;
        const pieces = core.downloadAttachment(vault, { ticketId, requesterSignPk: requesterKeys.get(ticketId) ?? '' }, record, transport, {
          signal: controller.signal,
          isRetryable: isTransient,
          retries: 4,
          onProgress: (p) => progress({ kind: 'download', done: p.bytesDone, total: p.bytesTotal }),
        });
        for await (const piece of pieces) {
          first ??= piece.slice(0, 16);
          pending.push(piece.slice());
          pendingBytes += piece.length;
          if (pendingBytes >= BLOB_FOLD_BYTES) {
            blob = new Blob([blob, ...(pending as Uint8Array<ArrayBuffer>[])]);
            pending = [];
            pendingBytes = 0;
          }
        }
        const format = first === null ? null : sniffImage(first);
        const image = first !== null && (format !== null || isGif(first));
        const type = purpose === 'preview' && image ? (format === null ? 'image/gif' : `image/${format}`) : 'application/octet-stream';
        return { blob: new Blob([blob, ...(pending as Uint8Array<ArrayBuffer>[])], { type }), image };
      } finally {
        transfers.delete(id);
      }
    },
  };
}

/** Errors cross to the page as a code and a short message only: never key material or plaintext. */
export function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof CryptoError || err instanceof core.CoreError) return { code: err.code, message: err.message };
  return { code: 'internal', message: 'the encryption engine failed' };
}
