// The requester's own tickets: wraps opened and first subjects decrypted in the worker.
import { html, nothing, type TemplateResult } from 'lit-html';
import { myTickets, ticketMessages, type RequesterTicket } from '../api';
import { rpc } from '../crypto-client';
import { describeError } from '../errors';
import { formatTime } from '../format';
import { currentLanguage, t } from '../i18n';
import type { TicketSummary } from '../rpc';
import { flash, setBusy, state, update } from '../store';
import { statusLabel } from './labels';

let loading = false;
// Set when loading failed, so a failing request is not retried on every render.
let loadFailed = false;
let meta = new Map<string, RequesterTicket>();

export function resetTickets(): void {
  loading = false;
  loadFailed = false;
  meta = new Map();
}

export async function loadMyTickets(): Promise<void> {
  if (!state.requester || loading) return;
  loading = true;
  setBusy(t('tickets.loading'));
  try {
    const { tickets } = await myTickets();
    meta = new Map(tickets.map((tk) => [tk.ticketId, tk]));
    const { failed } = await rpc('openMyTickets', { tickets });
    const summaries: TicketSummary[] = [];
    for (const tk of tickets) {
      if (failed.includes(tk.ticketId)) {
        summaries.push({ ticketId: tk.ticketId, subject: null, opened: false });
        continue;
      }
      const { messages } = await ticketMessages(tk.ticketId);
      const opened = await rpc('openThread', { ticketId: tk.ticketId, messages });
      state.threads.set(tk.ticketId, opened.messages);
      const first = opened.messages[0];
      summaries.push({ ticketId: tk.ticketId, subject: first?.subject ?? null, opened: true });
    }
    if (state.requester) state.requester.tickets = summaries;
  } catch (err) {
    loadFailed = true;
    flash('error', describeError(err));
  } finally {
    loading = false;
    setBusy(null);
  }
}

/** Re-reads status and times only (no decryption): after a reply the status changes. */
export async function refreshTicketMeta(): Promise<void> {
  const { tickets } = await myTickets();
  meta = new Map(tickets.map((tk) => [tk.ticketId, tk]));
}

export function ticketMeta(ticketId: string): RequesterTicket | undefined {
  return meta.get(ticketId);
}

export function ticketsView(): TemplateResult {
  const req = state.requester;
  if (!req) {
    return html`<h1>${t('tickets.title')}</h1>
      <p>${t('tickets.signInFirst')}</p>
      <a class="btn btn-primary" href="#/return">${t('landing.haveSecret')}</a>`;
  }
  if (req.tickets === null) {
    if (loadFailed) {
      return html`<h1>${t('tickets.title')}</h1>
        <button
          class="btn btn-secondary"
          type="button"
          data-test="tickets-retry"
          @click=${() => {
            loadFailed = false;
            update();
          }}
        >
          ${t('common.retry')}
        </button>`;
    }
    if (!loading) void loadMyTickets().then(update);
    return html`<h1>${t('tickets.title')}</h1>`;
  }
  const lang = currentLanguage();
  return html`<h1>${t('tickets.title')}</h1>
    ${req.tickets.length === 0 ? html`<p>${t('tickets.none')}</p>` : nothing}
    <ul class="list" data-test="ticket-list">
      ${req.tickets.map((s) => {
        const m = meta.get(s.ticketId);
        return html`<li>
          <a class="list-item" href=${`#/tickets/${s.ticketId}`} data-test="ticket-item">
            <strong>${s.opened ? (s.subject ?? t('tickets.noSubject')) : t('tickets.cannotOpen')}</strong>
            ${m ? html`<span class="muted small">${statusLabel(m.status)} · ${t('tickets.updated', { when: formatTime(m.updatedAt, lang) })}</span>` : nothing}
          </a>
        </li>`;
      })}
    </ul>
    <div class="actions">
      <a class="btn btn-secondary" href="#/new" data-test="tickets-new">${t('landing.newRequest')}</a>
      <button
        class="btn btn-secondary"
        type="button"
        data-test="tickets-refresh"
        @click=${() => {
          if (state.requester) state.requester.tickets = null;
          update();
        }}
      >
        ${t('tickets.refresh')}
      </button>
    </div>`;
}
