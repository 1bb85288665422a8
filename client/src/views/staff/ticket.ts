// Staff view of one ticket (shell): thread decrypted in the worker through the team key, status
// change and reply. Notes, labels, assignment and attachments are left for the console build-out.
import { html, nothing, type TemplateResult } from 'lit-html';
import { postMessage, staffPatchTicket, staffTicket, ticketMessages, type StaffTicket, type TicketStatus } from '../../api';
import { rpc } from '../../crypto-client';
import { describeError } from '../../errors';
import { currentLanguage, t } from '../../i18n';
import { flash, setBusy, state, update } from '../../store';
import { statusLabel } from '../labels';
import { messageList } from '../message-list';
import { LIMITS } from '../new-request';
import { priorityLabel } from './labels';

const STATUSES: readonly TicketStatus[] = ['new', 'open', 'waiting_requester', 'resolved', 'closed'];
const tickets = new Map<string, StaffTicket>();
const loading = new Set<string>();
const failed = new Set<string>();

export function resetStaffTickets(): void {
  tickets.clear();
  loading.clear();
  failed.clear();
}

async function load(ticketId: string): Promise<void> {
  loading.add(ticketId);
  setBusy(t('thread.loading'));
  try {
    const ticket = await staffTicket(ticketId);
    const { messages } = await ticketMessages(ticketId);
    const opened = await rpc('staffOpenTicket', { ticket, messages });
    tickets.set(ticketId, ticket);
    state.threads.set(ticketId, opened.messages);
  } catch (err) {
    failed.add(ticketId);
    flash('error', describeError(err));
  } finally {
    loading.delete(ticketId);
    setBusy(null);
  }
}

async function onStatus(ticketId: string, status: TicketStatus): Promise<void> {
  try {
    await staffPatchTicket(ticketId, { status });
    const tk = tickets.get(ticketId);
    if (tk) tickets.set(ticketId, { ...tk, status });
    flash('info', t('staff.saved'));
  } catch (err) {
    flash('error', describeError(err));
  }
}

async function onReply(ev: Event, ticketId: string): Promise<void> {
  ev.preventDefault();
  const field = (ev.target as HTMLFormElement).elements.namedItem('reply') as HTMLTextAreaElement | null;
  const body = field?.value ?? '';
  if (body.trim() === '' || body.length > LIMITS.body) return;
  setBusy(t('progress.sending'));
  try {
    const sealed = await rpc('staffSealReply', { ticketId, body, lang: currentLanguage() });
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

export function staffTicketView(ticketId: string): TemplateResult {
  if (!state.staff) return html`<p>${t('staff.lockedNotice')}</p><a class="btn btn-primary" href="#/staff/login">${t('staff.signIn')}</a>`;
  const messages = state.threads.get(ticketId);
  const ticket = tickets.get(ticketId);
  if (!messages || !ticket) {
    if (failed.has(ticketId)) {
      return html`<button class="btn btn-secondary" type="button" data-test="staff-ticket-retry" @click=${() => { failed.delete(ticketId); update(); }}>${t('common.retry')}</button>`;
    }
    if (!loading.has(ticketId)) void load(ticketId).then(update);
    return html`<h1>${t('thread.title')}</h1>`;
  }
  return html`<p><a href="#/staff/queue" data-test="staff-back">← ${t('staff.backToQueue')}</a></p>
    <h1>${messages[0]?.subject ?? t('thread.title')}</h1>
    <p class="muted">${priorityLabel(ticket.priority)}</p>
    <label for="ticket-status">${t('staff.status')}</label>
    <select
      id="ticket-status"
      data-test="staff-ticket-status"
      @change=${(ev: Event) => {
        const v = (ev.target as HTMLSelectElement).value;
        if ((STATUSES as readonly string[]).includes(v)) void onStatus(ticketId, v as TicketStatus).then(update);
      }}
    >
      ${STATUSES.map((s) => html`<option value=${s} ?selected=${ticket.status === s}>${statusLabel(s)}</option>`)}
    </select>
    ${messageList(messages, 'staff')}
    ${ticket.status === 'closed'
      ? nothing
      : html`<form class="stack" @submit=${(ev: Event) => onReply(ev, ticketId)} novalidate data-test="staff-reply-form">
          <label for="reply">${t('staff.replyToRequester')}</label>
          <textarea id="reply" name="reply" rows="5" maxlength=${LIMITS.body} data-test="staff-reply-body"></textarea>
          <button class="btn btn-primary" type="submit" data-test="staff-reply-send">${t('thread.send')}</button>
        </form>`}`;
}
