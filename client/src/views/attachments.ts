// Attachments in the web app: the picker in a new request and in every reply (requester and staff),
// the uploads after the text is sent, and the list of a ticket's files in its thread.
//
// SECURITY: the page never reads a file's bytes. It hands the File (a handle, not a copy) to the
// crypto worker, which strips metadata from images, encrypts chunk by chunk from File.stream()
// and sends the chunks itself; for a download it returns a Blob of the decrypted bytes that the
// page shows (an image preview) or saves (everything else, as application/octet-stream with the
// `download` attribute: never opened by the browser). docs/DECISIONS.md "Attachments in the web
// app" has the reasons.
import { html, nothing, type TemplateResult } from 'lit-html';
import { attachmentList as fetchAttachmentList, sessionToken } from '../api';
import { rpc, WorkerError } from '../crypto-client';
import { describeError } from '../errors';
import { formatBytes, formatDuration, formatTime } from '../format';
import { currentLanguage, t } from '../i18n';
import type { AttachmentInspection, AttachmentView, MetadataKind } from '../rpc';
import { state, update } from '../store';

/** Fallbacks when the desk's policy is not loaded yet (docs/API.md defaults). */
const DEFAULT_MAX_FILE = 25 * 1024 * 1024;
const DEFAULT_MAX_TICKET = 100 * 1024 * 1024;
/** Images up to this size are decrypted for an inline preview without asking. */
const PREVIEW_MAX_BYTES = 10 * 1024 * 1024;
const PREVIEW_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

/** A form's attachments before sending: 'new', or `reply:<ticketId>` (requester and staff replies). */
export type AttachContext = 'new' | `reply:${string}`;

interface Picked {
  id: string;
  file: File;
  inspection: AttachmentInspection | null;
  /** The person chose to send the file as it is, metadata and all. */
  keepOriginal: boolean;
}

type UploadPhase =
  | { phase: 'waiting' }
  | { phase: 'uploading'; sent: number; total: number; startedAt: number; startSent: number }
  | { phase: 'retrying'; sent: number; total: number }
  | { phase: 'done' }
  | { phase: 'cancelled' }
  | { phase: 'failed'; message: string };

interface Upload {
  picked: Picked;
  ticketId: string;
  state: UploadPhase;
}

const picked = new Map<AttachContext, Picked[]>();
const problems = new Map<AttachContext, string>();
/** Uploads by ticket, in the order they were started; kept until the ticket's list shows them. */
const uploads = new Map<string, Upload[]>();
let nextId = 1;

// ---- the thread's attachment list ----
interface TicketFiles {
  items: AttachmentView[];
}
const lists = new Map<string, TicketFiles>();
const listLoading = new Set<string>();
const listFailed = new Set<string>();
/** attachmentId → blob: URL of a decrypted image preview (revoked on reset). */
const previews = new Map<string, string>();
const previewState = new Map<string, 'loading' | 'failed'>();
const downloading = new Map<string, { done: number; total: number }>();
const downloadFailed = new Map<string, string>();

/** Drops every file handle, upload state and decrypted preview ("Leave quickly", sign-out, lock). */
export function resetAttachments(): void {
  for (const list of uploads.values())
    for (const u of list) if (u.state.phase === 'uploading' || u.state.phase === 'retrying') void rpc('cancelUpload', { uploadId: u.picked.id }).catch(() => undefined);
  picked.clear();
  problems.clear();
  uploads.clear();
  lists.clear();
  listFailed.clear();
  for (const url of previews.values()) URL.revokeObjectURL(url);
  previews.clear();
  previewState.clear();
  downloading.clear();
  downloadFailed.clear();
}

/** True while leaving the page would lose a file: picked and not sent, or still uploading. */
export function hasAttachmentWork(): boolean {
  for (const list of picked.values()) if (list.length > 0) return true;
  for (const list of uploads.values()) for (const u of list) if (['waiting', 'uploading', 'retrying'].includes(u.state.phase)) return true;
  return false;
}

export function hasPicked(ctx: AttachContext): boolean {
  return (picked.get(ctx)?.length ?? 0) > 0;
}

function limits(): { file: number; ticket: number } {
  const p = state.desk?.policy;
  return { file: p?.maxAttachmentBytes ?? DEFAULT_MAX_FILE, ticket: p?.maxTicketBytes ?? DEFAULT_MAX_TICKET };
}

/** Bytes a ticket already holds (files listed, plus uploads started from this browser). */
function ticketUsage(ticketId: string | null): number {
  if (ticketId === null) return 0;
  const listed = lists.get(ticketId)?.items ?? [];
  const ids = new Set(listed.map((a) => a.attachmentId));
  const listedBytes = listed.reduce((n, a) => n + a.size, 0);
  const pending = (uploads.get(ticketId) ?? []).filter((u) => u.state.phase !== 'cancelled' && u.state.phase !== 'failed' && !ids.has(u.picked.id));
  return listedBytes + pending.reduce((n, u) => n + u.picked.file.size, 0);
}

const ticketOf = (ctx: AttachContext): string | null => (ctx === 'new' ? null : ctx.slice('reply:'.length));

/**
 * The limits, checked before anything is uploaded: a file over the per-file limit is refused
 * when it is picked, the ticket's total when the form is sent. Returns the message, or null.
 */
export function attachmentsProblem(ctx: AttachContext): string | null {
  const list = picked.get(ctx) ?? [];
  const lim = limits();
  const total = list.reduce((n, p) => n + p.file.size, 0) + ticketUsage(ticketOf(ctx));
  const problem = total > lim.ticket ? t('attach.errTicketTotal', { max: formatBytes(lim.ticket) }) : null;
  if (problem) problems.set(ctx, problem);
  else problems.delete(ctx);
  return problem;
}

function addFiles(ctx: AttachContext, files: Iterable<File>): void {
  const list = picked.get(ctx) ?? [];
  const lim = limits();
  const refused: string[] = [];
  for (const file of files) {
    if (file.size > lim.file) {
      refused.push(t('attach.errFileTooLarge', { name: file.name, max: formatBytes(lim.file) }));
      continue;
    }
    const p: Picked = { id: `p${nextId++}`, file, inspection: null, keepOriginal: false };
    list.push(p);
    // The worker looks for metadata now, so the person sees what will be removed before sending.
    void rpc('inspectAttachment', { file })
      .then((inspection) => {
        p.inspection = inspection;
      })
      .catch(() => {
        p.inspection = { status: 'failed', removed: [] };
      })
      .finally(update);
  }
  picked.set(ctx, list);
  if (refused.length > 0) problems.set(ctx, refused.join(' '));
  else attachmentsProblem(ctx);
  update();
}

function removePicked(ctx: AttachContext, id: string): void {
  picked.set(
    ctx,
    (picked.get(ctx) ?? []).filter((p) => p.id !== id),
  );
  attachmentsProblem(ctx);
  update();
  document.getElementById(`attach-input-${ctx}`)?.focus();
}

/** "location and camera details" in the UI language. */
export function removedPhrase(kinds: readonly MetadataKind[]): string {
  const names = kinds.map((k) => t(`attach.kind.${k}`));
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} ${t('attach.and')} ${names[names.length - 1]}`;
}

function inspectionNote(p: Picked): TemplateResult {
  const i = p.inspection;
  if (i === null) return html`<span class="muted small">${t('attach.checking')}</span>`;
  if (i.status === 'unsupported') return html`<span class="small" data-test="attach-metadata-may-remain">${t('attach.mayRemain')}</span>`;
  if (i.status === 'failed') return html`<span class="small attach-warn" data-test="attach-could-not-clean">${t('attach.couldNotClean')}</span>`;
  if (i.removed.length === 0) return html`<span class="small" data-test="attach-nothing-found">${t('attach.nothingFound')}</span>`;
  return html`<span class="small attach-ok" data-test="attach-removed">
      ${p.keepOriginal ? t('attach.willKeep', { what: removedPhrase(i.removed) }) : t('attach.removed', { what: removedPhrase(i.removed) })}
    </span>
    <label class="check small">
      <input
        type="checkbox"
        data-test="attach-keep-original"
        .checked=${p.keepOriginal}
        @change=${(ev: Event) => {
          p.keepOriginal = (ev.target as HTMLInputElement).checked;
          update();
        }}
      />
      ${t('attach.keepOriginal')}
    </label>`;
}

/** The picker inside a form: a file input (also the keyboard path), a drop zone, the chosen files. */
export function attachPicker(ctx: AttachContext): TemplateResult {
  const list = picked.get(ctx) ?? [];
  const problem = problems.get(ctx);
  const inputId = `attach-input-${ctx}`;
  const lim = limits();
  const onDrop = (ev: DragEvent): void => {
    ev.preventDefault();
    (ev.currentTarget as HTMLElement).classList.remove('attach-drop-over');
    if (ev.dataTransfer?.files) addFiles(ctx, Array.from(ev.dataTransfer.files));
  };
  return html`<fieldset class="attach" data-test="attach">
    <legend>${t('attach.title')}</legend>
    <div
      class="attach-drop"
      @dragover=${(ev: DragEvent) => {
        ev.preventDefault();
        (ev.currentTarget as HTMLElement).classList.add('attach-drop-over');
      }}
      @dragleave=${(ev: DragEvent) => (ev.currentTarget as HTMLElement).classList.remove('attach-drop-over')}
      @drop=${onDrop}
      data-test="attach-drop"
    >
      <label class="btn btn-secondary" for=${inputId}>${t('attach.choose')}</label>
      <input
        class="visually-hidden"
        id=${inputId}
        type="file"
        multiple
        data-test="attach-input"
        aria-describedby=${`${inputId}-hint`}
        @change=${(ev: Event) => {
          const input = ev.target as HTMLInputElement;
          if (input.files) addFiles(ctx, Array.from(input.files));
          input.value = '';
        }}
      />
      <span class="muted small" id=${`${inputId}-hint`}>${t('attach.hint', { file: formatBytes(lim.file), ticket: formatBytes(lim.ticket) })}</span>
    </div>
    ${problem ? html`<p class="field-error" role="alert" data-test="attach-error">${problem}</p>` : nothing}
    ${
      list.length === 0
        ? nothing
        : html`<ul class="attach-list" data-test="attach-picked">
            ${list.map(
              (p) =>
                html`<li class="attach-item" data-test="attach-picked-item" data-name=${p.file.name}>
                  <div class="attach-head">
                    <strong class="attach-name">${p.file.name}</strong>
                    <span class="muted small">${p.file.type || t('attach.unknownType')} · ${formatBytes(p.file.size)}</span>
                    <button
                      class="btn btn-link small"
                      type="button"
                      data-test="attach-remove"
                      aria-label=${t('attach.removeNamed', { name: p.file.name })}
                      @click=${() => removePicked(ctx, p.id)}
                    >
                      ${t('attach.remove')}
                    </button>
                  </div>
                  ${inspectionNote(p)}
                </li>`,
            )}
          </ul>`
    }
  </fieldset>`;
}

// ---- uploading ----

/**
 * Starts uploading what was picked in `ctx` to `ticketId` (after the text it belongs to was sent)
 * and clears the form's list. Resolves when every upload ended (done, failed or cancelled); never
 * throws, so a failed file never makes a sent message look unsent. Files go one after the other:
 * each already keeps several chunks in flight.
 */
export async function uploadPicked(ctx: AttachContext, ticketId: string): Promise<void> {
  const list = picked.get(ctx) ?? [];
  picked.delete(ctx);
  problems.delete(ctx);
  if (list.length === 0) return;
  const mine = list.map((p): Upload => ({ picked: p, ticketId, state: { phase: 'waiting' } }));
  uploads.set(ticketId, [...(uploads.get(ticketId) ?? []), ...mine]);
  update();
  for (const u of mine) await runUpload(u);
  // The list shows the new files (and their signatures) once the server has them.
  lists.delete(ticketId);
  update();
}

/** Read through a function: the state changes while an upload is awaited (cancel). */
const isCancelled = (u: Upload): boolean => u.state.phase === 'cancelled';

async function runUpload(u: Upload): Promise<void> {
  if (isCancelled(u)) return;
  const token = sessionToken();
  if (token === null) {
    u.state = { phase: 'failed', message: t('error.unauthorized') };
    return;
  }
  const file = u.picked.file;
  u.state = { phase: 'uploading', sent: 0, total: file.size, startedAt: Date.now(), startSent: 0 };
  update();
  try {
    await rpc('uploadAttachment', { uploadId: u.picked.id, token, ticketId: u.ticketId, file, keepOriginal: u.picked.keepOriginal }, (p) => {
      if (isCancelled(u)) return;
      if (p.kind === 'upload') {
        const prev = u.state;
        // The rate counts from the (re)start: bytes skipped on a resume are not "fast".
        u.state =
          prev.phase === 'uploading' ? { ...prev, sent: p.sent, total: p.total } : { phase: 'uploading', sent: p.sent, total: p.total, startedAt: Date.now(), startSent: p.sent };
      } else if (p.kind === 'upload-retry') u.state = { phase: 'retrying', sent: p.sent, total: p.total };
      update();
    });
    if (!isCancelled(u)) u.state = { phase: 'done' };
  } catch (err) {
    if (!isCancelled(u)) u.state = { phase: 'failed', message: err instanceof WorkerError && err.code === 'cancelled' ? t('attach.cancelled') : describeError(err) };
  }
  update();
}

function cancelUpload(u: Upload): void {
  u.state = { phase: 'cancelled' };
  void rpc('cancelUpload', { uploadId: u.picked.id }).catch(() => undefined);
  update();
}

function retryUpload(u: Upload): void {
  u.state = { phase: 'waiting' };
  void runUpload(u).then(() => {
    lists.delete(u.ticketId);
    update();
  });
}

function timeLeft(s: Extract<UploadPhase, { phase: 'uploading' }>): string | null {
  const seconds = (Date.now() - s.startedAt) / 1000;
  const rate = (s.sent - s.startSent) / Math.max(seconds, 0.001);
  if (seconds < 1 || rate <= 0) return null;
  return formatDuration((s.total - s.sent) / rate, currentLanguage());
}

/** Progress of this ticket's uploads from this browser: bytes, time left, cancel, retry. */
export function uploadStatus(ticketId: string | null): TemplateResult | typeof nothing {
  const list = ticketId === null ? [] : (uploads.get(ticketId) ?? []);
  if (list.length === 0) return nothing;
  return html`<section class="card attach-uploads" aria-label=${t('attach.uploadsTitle')} data-test="attach-uploads">
    <h2 class="small">${t('attach.uploadsTitle')}</h2>
    <ul class="attach-list">
      ${list.map((u) => {
        const s = u.state;
        const name = u.picked.file.name;
        return html`<li class="attach-item" data-test="attach-upload" data-name=${name} data-phase=${s.phase}>
          <div class="attach-head"><strong class="attach-name">${name}</strong></div>
          ${
            s.phase === 'uploading' || s.phase === 'retrying'
              ? html`<progress max=${s.total} .value=${s.sent} aria-label=${t('attach.uploading', { name })}></progress>
                  <p class="small" role="status" data-test="attach-upload-progress">
                    ${t('attach.progress', { sent: formatBytes(s.sent), total: formatBytes(s.total) })}
                    ${
                      s.phase === 'retrying'
                        ? t('attach.reconnecting')
                        : (() => {
                            const left = timeLeft(s);
                            return left === null ? nothing : t('attach.timeLeft', { time: left });
                          })()
                    }
                  </p>
                  <button class="btn btn-secondary small" type="button" data-test="attach-cancel" @click=${() => cancelUpload(u)}>${t('attach.cancel')}</button>`
              : s.phase === 'waiting'
                ? html`<p class="muted small">${t('attach.waiting')}</p>`
                : s.phase === 'done'
                  ? html`<p class="small attach-ok" data-test="attach-upload-done">${t('attach.uploaded')}</p>`
                  : s.phase === 'cancelled'
                    ? html`<p class="small">${t('attach.cancelled')}</p>`
                    : html`<p class="small field-error" data-test="attach-upload-failed">${s.message}</p>
                        <button class="btn btn-secondary small" type="button" data-test="attach-retry" @click=${() => retryUpload(u)}>${t('common.retry')}</button>`
          }
        </li>`;
      })}
    </ul>
  </section>`;
}

// ---- the ticket's files, in its thread ----

async function loadList(ticketId: string): Promise<void> {
  listLoading.add(ticketId);
  try {
    const { attachments } = await fetchAttachmentList(ticketId);
    const opened = await rpc('openAttachments', { ticketId, attachments });
    lists.set(ticketId, { items: opened.attachments });
    // Uploads that finished here now show in the list itself.
    const done = uploads.get(ticketId)?.filter((u) => u.state.phase !== 'done');
    if (done) uploads.set(ticketId, done);
  } catch (err) {
    listFailed.add(ticketId);
    downloadFailed.set(`list:${ticketId}`, describeError(err));
  } finally {
    listLoading.delete(ticketId);
    update();
  }
}

/** Forgets the loaded list so the next render fetches it again (opening a ticket anew). */
export function refreshAttachments(ticketId: string): void {
  if (listLoading.has(ticketId)) return;
  lists.delete(ticketId);
  listFailed.delete(ticketId);
}

const canPreview = (a: AttachmentView): boolean => a.complete && !a.failed && PREVIEW_TYPES.has(a.type) && a.size <= PREVIEW_MAX_BYTES;

async function loadPreview(ticketId: string, a: AttachmentView): Promise<void> {
  previewState.set(a.attachmentId, 'loading');
  try {
    const token = sessionToken();
    if (token === null) throw new WorkerError('unauthorized', 'not signed in');
    const { blob, image } = await rpc('downloadAttachment', { token, ticketId, attachmentId: a.attachmentId, purpose: 'preview' });
    // SECURITY: only bytes that really are an image become an <img>; the declared type is the
    // uploader's claim.
    if (!image) throw new WorkerError('not_an_image', 'not an image');
    previews.set(a.attachmentId, URL.createObjectURL(blob));
    previewState.delete(a.attachmentId);
  } catch {
    previewState.set(a.attachmentId, 'failed');
  }
  update();
}

/** A file name safe to suggest to the save dialog: no path, no control characters. */
export function safeFileName(name: string): string {
  const clean = name
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, '_')
    .replace(/^[.\s]+/, '')
    .slice(0, 200);
  return clean === '' ? 'attachment' : clean;
}

async function download(ticketId: string, a: AttachmentView): Promise<void> {
  downloading.set(a.attachmentId, { done: 0, total: a.size });
  downloadFailed.delete(a.attachmentId);
  update();
  try {
    const token = sessionToken();
    if (token === null) throw new WorkerError('unauthorized', 'not signed in');
    const { blob } = await rpc('downloadAttachment', { token, ticketId, attachmentId: a.attachmentId, purpose: 'save' }, (p) => {
      if (p.kind === 'download') downloading.set(a.attachmentId, { done: p.done, total: p.total });
      update();
    });
    // SECURITY: application/octet-stream + `download`: the browser saves the file and never
    // renders or runs it, whatever its name or contents.
    const url = URL.createObjectURL(new Blob([blob], { type: 'application/octet-stream' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = safeFileName(a.name);
    link.rel = 'noopener';
    document.body.append(link);
    link.click();
    link.remove();
    // The save has started by now; the URL is not needed after it.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (err) {
    downloadFailed.set(a.attachmentId, err instanceof WorkerError && err.code.startsWith('stream_') ? t('attach.tampered') : describeError(err));
  } finally {
    downloading.delete(a.attachmentId);
    update();
  }
}

function uploaderLabel(a: AttachmentView, viewer: 'requester' | 'staff'): string {
  if (a.uploader === 'requester') return viewer === 'requester' ? t('thread.you') : t('thread.requester');
  return t('thread.staff');
}

function fileItem(ticketId: string, a: AttachmentView, viewer: 'requester' | 'staff'): TemplateResult {
  const lang = currentLanguage();
  const head = html`<div class="attach-head">
    <strong class="attach-name" data-test="attachment-name">${a.failed ? t('attach.unreadable') : a.name}</strong>
    <span class="muted small"
      >${a.failed ? nothing : html`${a.type || t('attach.unknownType')} · ${formatBytes(a.size)} · `}${uploaderLabel(a, viewer)} · ${formatTime(a.createdAt, lang)}</span
    >
  </div>`;
  if (a.failed)
    return html`<li class="attach-item" data-test="attachment" data-state="bad">
      ${head}
      <p class="alert alert-danger small">${t('attach.badSignature')}</p>
    </li>`;
  if (!a.complete)
    return html`<li class="attach-item" data-test="attachment" data-state="incomplete">
      ${head}
      <p class="muted small">${t('attach.incomplete')}</p>
    </li>`;
  const url = previews.get(a.attachmentId);
  const pState = previewState.get(a.attachmentId);
  if (canPreview(a) && url === undefined && pState === undefined) void loadPreview(ticketId, a);
  const dl = downloading.get(a.attachmentId);
  const failedText = downloadFailed.get(a.attachmentId);
  const isImage = url !== undefined;
  return html`<li class="attach-item" data-test="attachment" data-name=${a.name}>
    ${head} ${isImage ? html`<img class="attach-preview" src=${url} alt=${t('attach.previewAlt', { name: a.name })} data-test="attachment-preview" />` : nothing}
    ${pState === 'loading' ? html`<p class="muted small">${t('attach.previewLoading')}</p>` : nothing}
    ${pState === 'failed' ? html`<p class="small field-error" data-test="attachment-preview-failed">${t('attach.previewFailed')}</p>` : nothing}
    ${isImage ? nothing : html`<p class="small attach-warn" data-test="attachment-warning">${t('attach.safeEnvironment')}</p>`}
    ${
      dl
        ? html`<progress max=${dl.total} .value=${dl.done} aria-label=${t('attach.downloading', { name: a.name })}></progress>
            <p class="small" role="status">${t('attach.progress', { sent: formatBytes(dl.done), total: formatBytes(dl.total) })}</p>`
        : html`<button
            class="btn btn-secondary small"
            type="button"
            data-test="attachment-download"
            aria-label=${t('attach.downloadNamed', { name: a.name })}
            @click=${() => void download(ticketId, a)}
          >
            ${t('attach.download')}
          </button>`
    }
    ${failedText ? html`<p class="small field-error" role="alert" data-test="attachment-download-failed">${failedText}</p>` : nothing}
  </li>`;
}

/** The ticket's files, for the requester's thread and the staff ticket view. */
export function ticketAttachments(ticketId: string, viewer: 'requester' | 'staff'): TemplateResult {
  const files = lists.get(ticketId);
  if (!files && !listLoading.has(ticketId) && !listFailed.has(ticketId)) void loadList(ticketId);
  return html`<section class="attach-files" data-test="attachments">
    <h2>${t('attach.filesTitle')}</h2>
    ${
      listFailed.has(ticketId)
        ? html`<p class="small field-error">${downloadFailed.get(`list:${ticketId}`) ?? t('error.generic')}</p>
            <button
              class="btn btn-secondary small"
              type="button"
              @click=${() => {
                refreshAttachments(ticketId);
                update();
              }}
            >
              ${t('common.retry')}
            </button>`
        : !files
          ? html`<p class="muted small">${t('attach.listLoading')}</p>`
          : files.items.length === 0
            ? html`<p class="muted small" data-test="attachments-none">${t('attach.none')}</p>`
            : html`<ul class="attach-list">
                ${files.items.map((a) => fileItem(ticketId, a, viewer))}
              </ul>`
    }
    ${uploadStatus(ticketId)}
  </section>`;
}
