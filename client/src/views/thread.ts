// One of the requester's tickets: every message decrypted and verified in the worker; reply.
// A closed request says so and offers a new one (carrying over what was written), instead of
// failing on send.
import { html, nothing, type TemplateResult } from 'lit-html';
import { ApiError, postMessage, ticketMessages } from '../api';
import { rpc } from '../crypto-client';
import { describeError } from '../errors';
import { currentLanguage, t } from '../i18n';
import { flash, setBusy, state, update } from '../store';
import { ensureTrusted } from '../trust';
import { attachPicker, hasPicked, resetAttachments, ticketAttachments, uploadPicked } from './attachments';
import { statusLabel } from './labels';
import { messageList } from './message-list';
import { navigate } from '../navigate';
import { LIMITS, startNewRequestWith } from './new-request';
import { loadMyTickets, refreshTicketMeta, ticketMeta } from './tickets';

const loading = new Set<string>();
// Tickets whose load failed: not retried automatically, or a failing request would loop.
const failed = new Set<string>();
// Replies refused because the request was closed meanwhile, by ticket: carried into a new request.
// SECURITY: plaintext; dropped by resetThreads() on "Leave quickly" and "Close my inbox".
const refusedReplies = new Map<string, string>();

export function resetThreads(): void {
  refusedReplies.clear();
  failed.clear();
  resetAttachments();
}

async function loadThread(ticketId: string): Promise<void> {
  if (loading.has(ticketId)) return;
  loading.add(ticketId);
  setBusy(t('thread.loading'));
  try {
    // Staff signatures are checked against keys from the verified log: make sure it is loaded.
    if (!(await ensureTrusted())) {
      failed.add(ticketId);
      return;
    }
    if (state.requester?.tickets === null) await loadMyTickets();
    const { messages } = await ticketMessages(ticketId);
    const opened = await rpc('openThread', { ticketId, messages });
    state.threads.set(ticketId, opened.messages);
  } catch (err) {
    failed.add(ticketId);
    flash('error', describeError(err));
  } finally {
    loading.delete(ticketId);
    setBusy(null);
  }
}

async function onReply(ev: Event, ticketId: string): Promise<void> {
  ev.preventDefault();
  const form = ev.target as HTMLFormElement;
  const field = form.elements.namedItem('reply') as HTMLTextAreaElement | null;
  const body = field?.value ?? '';
  // A reply may be files only.
  const files = hasPicked(`reply:${ticketId}`);
  if (body.trim() === '' && !files) return;
  if (body.length > LIMITS.body) {
    flash('error', t('new.errBodyLong', { max: LIMITS.body }));
    return;
  }
  setBusy(t('progress.sending'));
  try {
    if (!(await ensureTrusted())) return;
    if (body.trim() !== '') {
      const sealed = await rpc('sealReply', { ticketId, body, lang: currentLanguage() });
      await postMessage(ticketId, { messageId: sealed.messageId, kind: 'message', envelope: sealed.envelope });
      state.sentHere.set(sealed.messageId, Date.now());
      if (field) field.value = '';
      state.threads.delete(ticketId);
      flash('info', t('thread.sent'));
    }
    setBusy(null);
    if (files) await uploadPicked(`reply:${ticketId}`, ticketId);
    // The server moves the status on (e.g. out of "waiting for your answer"): show the new one.
    await refreshTicketMeta().catch(() => undefined);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'ticket_closed') {
      refusedReplies.set(ticketId, body);
      state.flash = null;
      await refreshTicketMeta().catch(() => undefined);
      update();
    } else flash('error', describeError(err));
  } finally {
    setBusy(null);
  }
}

/** Closed: no reply form; say why and offer a new request with the unsent reply in it. */
function closedNotice(ticketId: string): TemplateResult {
  const unsent = refusedReplies.get(ticketId);
  return html`<section class="alert alert-info" role="status" data-test="thread-closed">
    <h2>${t('thread.closedTitle')}</h2>
    <p>${t('thread.closedBody')}</p>
    ${unsent ? html`<p>${t('thread.closedCarry')}</p>` : nothing}
    <button
      class="btn btn-primary"
      type="button"
      data-test="thread-closed-new"
      @click=${() => {
        startNewRequestWith(unsent ?? '');
        refusedReplies.delete(ticketId);
        navigate({ name: 'new' });
      }}
    >
      ${t('thread.closedNew')}
    </button>
  </section>`;
}

export function threadView(ticketId: string): TemplateResult {
  if (!state.requester) {
    return html`<p>${t('tickets.signInFirst')}</p>
      <a class="btn btn-primary" href="#/return">${t('landing.haveSecret')}</a>`;
  }
  const messages = state.threads.get(ticketId);
  if (!messages) {
    if (failed.has(ticketId)) {
      return html`<h1>${t('thread.title')}</h1>
        <button
          class="btn btn-secondary"
          type="button"
          data-test="thread-retry"
          @click=${() => {
            failed.delete(ticketId);
            update();
          }}
        >
          ${t('common.retry')}
        </button>`;
    }
    if (!loading.has(ticketId)) void loadThread(ticketId).then(update);
    return html`<h1>${t('thread.title')}</h1>`;
  }
  const meta = ticketMeta(ticketId);
  const subject = messages[0]?.subject;
  return html`<p><a href="#/tickets" data-test="thread-back">← ${t('thread.back')}</a></p>
    <h1>${subject ?? t('thread.title')}</h1>
    ${meta ? html`<p class="muted" data-test="thread-status">${statusLabel(meta.status)}</p>` : nothing} ${messageList(messages, 'requester')}
    ${ticketAttachments(ticketId, 'requester')}
    ${
      meta?.status === 'closed' || refusedReplies.has(ticketId)
        ? closedNotice(ticketId)
        : html`<form class="stack" @submit=${(ev: Event) => onReply(ev, ticketId)} novalidate data-test="reply-form">
            <label for="reply">${t('thread.reply')}</label>
            <textarea id="reply" name="reply" rows="5" maxlength=${LIMITS.body} data-test="reply-body"></textarea>
            ${attachPicker(`reply:${ticketId}`)}
            <button class="btn btn-primary" type="submit" data-test="reply-send">${t('thread.send')}</button>
          </form>`
    }`;
}
