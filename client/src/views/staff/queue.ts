// Staff queue (shell): lists tickets newest first with status and priority, filter by status.
// Subjects are decrypted in the worker from each ticket's first message.
import { html, nothing, type TemplateResult } from 'lit-html';
import { staffQueue, type StaffQueue, type TicketStatus } from '../../api';
import { rpc } from '../../crypto-client';
import { describeError } from '../../errors';
import { formatTime } from '../../format';
import { currentLanguage, t } from '../../i18n';
import { flash, setBusy, state, update } from '../../store';
import { statusLabel } from '../labels';
import { priorityLabel } from './labels';

const STATUSES: readonly TicketStatus[] = ['new', 'open', 'waiting_requester', 'resolved', 'closed'];

interface QueueState {
  filter: TicketStatus | '';
  data: StaffQueue | null;
  subjects: Map<string, string | null>;
  loading: boolean;
  failed: boolean;
}

let q: QueueState = fresh();
function fresh(): QueueState {
  return { filter: '', data: null, subjects: new Map(), loading: false, failed: false };
}
export function resetQueue(): void {
  q = fresh();
}

async function load(): Promise<void> {
  q.loading = true;
  setBusy(t('staff.loadingQueue'));
  try {
    const data = await staffQueue(q.filter === '' ? {} : { status: q.filter });
    q.subjects = new Map();
    for (const tk of data.tickets) {
      try {
        const { messages } = await rpc('staffOpenTicket', { ticket: tk, messages: [tk.firstMessage] });
        q.subjects.set(tk.ticketId, messages[0]?.subject ?? null);
      } catch {
        q.subjects.set(tk.ticketId, null);
      }
    }
    q.data = data;
  } catch (err) {
    q.failed = true;
    flash('error', describeError(err));
  } finally {
    q.loading = false;
    setBusy(null);
  }
}

export function staffQueueView(): TemplateResult {
  if (!state.staff) return html`<p>${t('staff.lockedNotice')}</p><a class="btn btn-primary" href="#/staff/login">${t('staff.signIn')}</a>`;
  if (q.data === null && !q.loading && !q.failed) void load().then(update);
  const lang = currentLanguage();
  return html`<h1>${t('staff.queueTitle')}</h1>
    <p class="muted">${t('staff.signedInAs', { name: state.staff.username })}</p>
    <label for="status-filter">${t('staff.filterStatus')}</label>
    <select
      id="status-filter"
      data-test="staff-status-filter"
      @change=${(ev: Event) => {
        const v = (ev.target as HTMLSelectElement).value;
        q.filter = (STATUSES as readonly string[]).includes(v) ? (v as TicketStatus) : '';
        q.data = null;
        q.failed = false;
        update();
      }}
    >
      <option value="" ?selected=${q.filter === ''}>${t('staff.allStatuses')}</option>
      ${STATUSES.map((s) => html`<option value=${s} ?selected=${q.filter === s}>${statusLabel(s)} ${q.data ? `(${q.data.counts[s] ?? 0})` : ''}</option>`)}
    </select>
    ${q.failed
      ? html`<button class="btn btn-secondary" type="button" data-test="staff-queue-retry" @click=${() => { q.failed = false; update(); }}>${t('common.retry')}</button>`
      : nothing}
    ${q.data && q.data.tickets.length === 0 ? html`<p>${t('staff.queueEmpty')}</p>` : nothing}
    <ul class="list" data-test="staff-queue">
      ${(q.data?.tickets ?? []).map(
        (tk) => html`<li>
          <a class="list-item" href=${`#/staff/tickets/${tk.ticketId}`} data-test="staff-queue-item">
            <strong>${q.subjects.get(tk.ticketId) ?? t('tickets.cannotOpen')}</strong>
            <span class="muted small">${statusLabel(tk.status)} · ${priorityLabel(tk.priority)} · ${formatTime(tk.createdAt, lang)}</span>
          </a>
        </li>`,
      )}
    </ul>`;
}
