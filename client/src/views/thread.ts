// One of the requester's tickets: every message decrypted and verified in the worker; reply.
import { html, nothing, type TemplateResult } from 'lit-html';
import { postMessage, ticketMessages } from '../api';
import { rpc } from '../crypto-client';
import { describeError } from '../errors';
import { currentLanguage, t } from '../i18n';
import { flash, setBusy, state, update } from '../store';
import { ensureTrusted } from '../trust';
import { statusLabel } from './labels';
import { messageList } from './message-list';
import { LIMITS } from './new-request';
import { loadMyTickets, ticketMeta } from './tickets';

const loading = new Set<string>();
// Tickets whose load failed: not retried automatically, or a failing request would loop.
const failed = new Set<string>();

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
  if (body.trim() === '') return;
  if (body.length > LIMITS.body) {
    flash('error', t('new.errBodyLong', { max: LIMITS.body }));
    return;
  }
  setBusy(t('progress.sending'));
  try {
    if (!(await ensureTrusted())) return;
    const sealed = await rpc('sealReply', { ticketId, body, lang: currentLanguage() });
    await postMessage(ticketId, { messageId: sealed.messageId, kind: 'message', envelope: sealed.envelope });
    if (field) field.value = '';
    state.threads.delete(ticketId);
    flash('info', t('thread.sent'));
  } catch (err) {
    flash('error', describeError(err));
  } finally {
    setBusy(null);
  }
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
    ${meta ? html`<p class="muted" data-test="thread-status">${statusLabel(meta.status)}</p>` : nothing}
    ${messageList(messages, 'requester')}
    <form class="stack" @submit=${(ev: Event) => onReply(ev, ticketId)} novalidate data-test="reply-form">
      <label for="reply">${t('thread.reply')}</label>
      <textarea id="reply" name="reply" rows="5" maxlength=${LIMITS.body} data-test="reply-body"></textarea>
      <button class="btn btn-primary" type="submit" data-test="reply-send">${t('thread.send')}</button>
    </form>`;
}
