// Staff queue: filters (status with counts, priority, assignee incl. "mine"/"unassigned", label),
// pages with "load more" (cursor) in the server's order — last activity first, or newest first —
// with a marker on what moved since this session opened it, rows decrypted in the worker (subject, category), and search
// over what this browser has decrypted — the server cannot search encrypted requests.
import { html, nothing, type TemplateResult } from 'lit-html';
import { repeat } from 'lit-html/directives/repeat.js';
import { ApiError, staffQueue, type StaffQueue, type StaffQueueQuery, type StaffTicket, type TicketPriority, type TicketStatus } from '../../api';
import { rpc } from '../../crypto-client';
import { describeError } from '../../errors';
import { currentLanguage, t } from '../../i18n';
import type { Category, QueueSummary, SearchHit } from '../../rpc';
import { CATEGORIES } from '../../rpc';
import { flash, setBusy, state, update } from '../../store';
import { warningIcon } from '../icons';
import { categoryLabel } from '../labels';
import { formatAge } from './age';
import { consoleData, loadConsoleData, resetConsole, staffName, ticketLabelNames } from './console';
import { priorityLabel, searchFieldLabel, staffStatusLabel } from './labels';
import { resetSeen, seenState } from './seen';
import { isLogAdmin } from '../admin/access';
import { endedSession } from './session';
import { awaitingAdmissionView } from './login';

/**
 * A language as its speakers write it ("Tiếng Việt", "English"): the reply language the
 * requester picked, shown to a team that may read either interface language.
 */
export function languageEndonym(code: string): string {
  return code === 'vi' ? 'Tiếng Việt' : code === 'en' ? 'English' : code;
}

export const STATUSES: readonly TicketStatus[] = ['new', 'open', 'waiting_requester', 'resolved', 'closed'];
export const PRIORITIES: readonly TicketPriority[] = ['low', 'normal', 'high', 'urgent'];
const PAGE_SIZE = 25;

interface Filters {
  status: TicketStatus | '';
  priority: TicketPriority | '';
  /** '' (anyone), 'mine', 'unassigned' or a staff id. */
  assignee: string;
  /** '' or a blind label tag. */
  label: string;
  /** The server's order: last activity first (the default) or newest ticket first. */
  sort: QueueSort;
}
type QueueSort = 'activity' | 'newest';

interface QueueState {
  filters: Filters;
  tickets: StaffTicket[];
  counts: StaffQueue['counts'] | null;
  nextCursor: string | null;
  summaries: Map<string, QueueSummary>;
  loaded: boolean;
  loading: boolean;
  failed: boolean;
  query: string;
  hits: SearchHit[] | null;
  searched: number;
  /** The desk answered not_admitted: the member waits for an admin to admit them. */
  awaitingAdmission: boolean;
}

let q: QueueState = fresh();
function fresh(): QueueState {
  return {
    filters: { status: '', priority: '', assignee: '', label: '', sort: 'activity' },
    tickets: [],
    counts: null,
    nextCursor: null,
    summaries: new Map(),
    loaded: false,
    loading: false,
    failed: false,
    query: '',
    hits: null,
    searched: 0,
    awaitingAdmission: false,
  };
}
/** Also drops the directory and label names: main.ts calls this on lock and on "Leave quickly". */
export function resetQueue(): void {
  q = fresh();
  resetConsole();
  resetSeen();
}

/**
 * Coming back to the queue reloads its first page with the same filters, so new tickets, status
 * changes and counts show up without signing in again.
 */
export function enterStaffQueue(): void {
  if (q.loading) return;
  q.loaded = false;
  q.failed = false;
  q.nextCursor = null;
}

/** The query string for the current filters (exported for tests of the mapping). */
export function queueQuery(f: Filters, cursor: string | null): StaffQueueQuery {
  return {
    ...(f.status ? { status: f.status } : {}),
    ...(f.priority ? { priority: f.priority } : {}),
    ...(f.assignee ? { assignee: f.assignee } : {}),
    ...(f.label ? { label: f.label } : {}),
    ...(f.sort === 'newest' ? { sort: f.sort } : {}),
    ...(cursor ? { cursor } : {}),
    limit: PAGE_SIZE,
  };
}

async function load(more: boolean): Promise<void> {
  q.loading = true;
  setBusy(t('staff.loadingQueue'));
  try {
    await loadConsoleData();
    const page = await staffQueue(queueQuery(q.filters, more ? q.nextCursor : null));
    const { summaries } = await rpc('staffOpenQueue', { tickets: page.tickets });
    if (!more) {
      q.tickets = [];
      q.summaries = new Map();
    }
    // The server orders the pages. A ticket with new activity moves to the top while we read
    // the next page, so it may come again: keep one row per id.
    const seen = new Set(q.tickets.map((tk) => tk.ticketId));
    q.tickets.push(...page.tickets.filter((tk) => !seen.has(tk.ticketId)));
    for (const s of summaries) q.summaries.set(s.ticketId, s);
    q.counts = page.counts;
    q.nextCursor = page.nextCursor;
    q.loaded = true;
    if (q.query !== '') await runSearch();
  } catch (err) {
    if (endedSession(err)) return;
    q.failed = true;
    // Activated but not admitted yet: a normal step of joining, not an error or a tampering sign.
    if (err instanceof ApiError && err.code === 'not_admitted') q.awaitingAdmission = true;
    else flash('error', describeError(err));
  } finally {
    q.loading = false;
    setBusy(null);
  }
}

function categoryNames(): Record<string, string> {
  return Object.fromEntries(CATEGORIES.map((c) => [c, categoryLabel(c)]));
}

async function runSearch(): Promise<void> {
  if (q.query.trim() === '') {
    q.hits = null;
    return;
  }
  try {
    const out = await rpc('staffSearch', { query: q.query, categoryNames: categoryNames() });
    q.hits = out.hits;
    q.searched = out.searched;
  } catch (err) {
    flash('error', describeError(err));
  }
}

function setFilter<K extends keyof Filters>(key: K, value: Filters[K]): void {
  q.filters = { ...q.filters, [key]: value };
  q.loaded = false;
  q.failed = false;
  q.nextCursor = null;
  update();
}

function isCategory(c: string | null): c is Category {
  return c !== null && (CATEGORIES as readonly string[]).includes(c);
}

function row(tk: StaffTicket, now: number, lang: string): TemplateResult {
  const s = q.summaries.get(tk.ticketId);
  const labels = ticketLabelNames(tk);
  const assignee =
    tk.assigneeId === null ? t('console.unassigned') : tk.assigneeId === state.staff?.staffId ? t('console.me') : (staffName(tk.assigneeId) ?? t('console.unknownStaff'));
  const bad = s?.signature === 'bad' || s?.signature === 'unknown_author';
  // While a reload is under way the rows are the old ones: no marker from stale data.
  const seen = q.loaded ? seenState(tk) : 'seen';
  return html`<li>
    <a
      class=${`list-item queue-row priority-${tk.priority}${seen === 'changed' ? ' queue-row-changed' : ''}`}
      href=${`#/staff/tickets/${tk.ticketId}`}
      data-test="staff-queue-item"
      data-ticket-id=${tk.ticketId}
    >
      <strong data-test="staff-queue-subject">${bad ? html`${warningIcon()} ${t('thread.badSignature')}` : (s?.subject ?? t('tickets.cannotOpen'))}</strong>
      ${isCategory(s?.category ?? null) ? html`<span class="small">${categoryLabel(s?.category as Category)}</span>` : nothing}
      <span class="queue-meta small">
        ${tk.requesterReplied ? html`<span class="pill pill-replied" data-test="staff-queue-replied">${t('console.requesterReplied')}</span>` : nothing}
        ${s?.lang ? html`<span class="pill" data-test="staff-queue-lang">${t('console.replyLanguage', { language: languageEndonym(s.lang) })}</span>` : nothing}
        ${seen === 'changed' ? html`<span class="pill pill-changed" data-test="staff-queue-changed">${t('console.changedSinceOpened')}</span>` : nothing}
        <span class=${`pill status-${tk.status}`} data-test="staff-queue-status">${staffStatusLabel(tk.status)}</span>
        <span class=${`pill prio-${tk.priority}`} data-test="staff-queue-priority">${priorityLabel(tk.priority)}</span>
        <span data-test="staff-queue-assignee">${t('console.assignee')}: ${assignee}</span>
        <span class="muted" data-test="staff-queue-activity" title=${new Date(tk.updatedAt * 1000).toISOString()}>
          ${t('console.lastActivity', { when: formatAge(tk.updatedAt, now, lang) })}
        </span>
        <span class="muted" data-test="staff-queue-age" title=${new Date(tk.createdAt * 1000).toISOString()}
          >${t('console.received', { when: formatAge(tk.createdAt, now, lang) })}</span
        >
      </span>
      ${
        labels.names.length + labels.unknown > 0
          ? html`<span class="chips" data-test="staff-queue-labels">
              ${labels.names.map((n) => html`<span class="chip">${n}</span>`)}
              ${labels.unknown > 0 ? html`<span class="chip chip-muted">${t('console.labels.unknownCount', { count: labels.unknown })}</span>` : nothing}
            </span>`
          : nothing
      }
    </a>
  </li>`;
}

function filters(): TemplateResult {
  const f = q.filters;
  const data = consoleData();
  const count = (s: TicketStatus): string => (q.counts ? ` (${q.counts[s] ?? 0})` : '');
  return html`<div class="filters">
    <div>
      <label for="status-filter">${t('staff.filterStatus')}</label>
      <select
        id="status-filter"
        data-test="staff-status-filter"
        @change=${(ev: Event) => {
          const v = (ev.target as HTMLSelectElement).value;
          setFilter('status', (STATUSES as readonly string[]).includes(v) ? (v as TicketStatus) : '');
        }}
      >
        <option value="" ?selected=${f.status === ''}>${t('staff.allStatuses')}</option>
        ${STATUSES.map((s) => html`<option value=${s} ?selected=${f.status === s}>${staffStatusLabel(s)}${count(s)}</option>`)}
      </select>
    </div>
    <div>
      <label for="priority-filter">${t('console.filterPriority')}</label>
      <select
        id="priority-filter"
        data-test="staff-priority-filter"
        @change=${(ev: Event) => {
          const v = (ev.target as HTMLSelectElement).value;
          setFilter('priority', (PRIORITIES as readonly string[]).includes(v) ? (v as TicketPriority) : '');
        }}
      >
        <option value="" ?selected=${f.priority === ''}>${t('console.anyPriority')}</option>
        ${PRIORITIES.map((p) => html`<option value=${p} ?selected=${f.priority === p}>${priorityLabel(p)}</option>`)}
      </select>
    </div>
    <div>
      <label for="assignee-filter">${t('console.filterAssignee')}</label>
      <select id="assignee-filter" data-test="staff-assignee-filter" @change=${(ev: Event) => setFilter('assignee', (ev.target as HTMLSelectElement).value)}>
        <option value="" ?selected=${f.assignee === ''}>${t('console.anyone')}</option>
        <option value="mine" ?selected=${f.assignee === 'mine'}>${t('console.assignedToMe')}</option>
        <option value="unassigned" ?selected=${f.assignee === 'unassigned'}>${t('console.unassigned')}</option>
        ${(data?.directory ?? [])
          .filter((s) => s.active && s.staffId !== state.staff?.staffId)
          .map((s) => html`<option value=${s.staffId} ?selected=${f.assignee === s.staffId}>${s.username}</option>`)}
      </select>
    </div>
    <div>
      <label for="label-filter">${t('console.filterLabel')}</label>
      <select
        id="label-filter"
        data-test="staff-label-filter"
        ?disabled=${!data?.labelsAvailable}
        @change=${(ev: Event) => setFilter('label', (ev.target as HTMLSelectElement).value)}
      >
        <option value="" ?selected=${f.label === ''}>${t('console.anyLabel')}</option>
        ${(data?.labels ?? []).map((l) => html`<option value=${l.tag} ?selected=${f.label === l.tag}>${l.name}</option>`)}
      </select>
    </div>
    <div>
      <label for="sort-order">${t('console.sortOrder')}</label>
      <select id="sort-order" data-test="staff-sort" @change=${(ev: Event) => setFilter('sort', (ev.target as HTMLSelectElement).value === 'newest' ? 'newest' : 'activity')}>
        <option value="activity" ?selected=${f.sort === 'activity'}>${t('console.sortActivity')}</option>
        <option value="newest" ?selected=${f.sort === 'newest'}>${t('console.sortNewest')}</option>
      </select>
    </div>
  </div>`;
}

function searchPanel(): TemplateResult {
  return html`<form class="search" role="search" data-test="staff-search-form" @submit=${(ev: Event) => ev.preventDefault()}>
    <label for="staff-search">${t('console.search.label')}</label>
    <input
      id="staff-search"
      type="search"
      autocomplete="off"
      spellcheck="false"
      .value=${q.query}
      data-test="staff-search"
      @input=${(ev: Event) => {
        q.query = (ev.target as HTMLInputElement).value;
        void runSearch().then(update);
      }}
    />
    <p class="hint" data-test="staff-search-note">${t('console.search.serverCannot')}</p>
  </form>`;
}

function searchResults(): TemplateResult {
  const hits = q.hits ?? [];
  return html`<p class="muted small" data-test="staff-search-summary">${t('console.search.summary', { count: hits.length, loaded: q.searched })}</p>
    <ul class="list" data-test="staff-search-results">
      ${hits.map(
        (h) =>
          html`<li>
            <a class="list-item" href=${`#/staff/tickets/${h.ticketId}`} data-test="staff-search-hit" data-ticket-id=${h.ticketId}>
              <strong>${h.subject ?? t('tickets.cannotOpen')}</strong>
              <span class="small"><span class="pill">${searchFieldLabel(h.field)}</span> ${h.snippet}</span>
            </a>
          </li>`,
      )}
    </ul>`;
}

export function staffQueueView(): TemplateResult {
  if (!state.staff)
    return html`<p>${t('staff.lockedNotice')}</p>
      <a class="btn btn-primary" href="#/staff/login">${t('staff.signIn')}</a>`;
  if (!q.loaded && !q.loading && !q.failed) void load(false).then(update);
  if (q.awaitingAdmission) return awaitingAdmissionView(state.staff.username);
  const lang = currentLanguage();
  const now = Math.floor(Date.now() / 1000);
  const data = consoleData();
  return html`<h1>${t('staff.queueTitle')}</h1>
    <p class="muted">
      ${t('staff.signedInAs', { name: state.staff.username })} · <a href="#/staff/two-factor" data-test="staff-two-factor-link">${t('twoFactor.link')}</a>
      ${isLogAdmin() ? html` · <a href="#/admin" data-test="staff-admin-link">${t('admin.link')}</a>` : nothing}
    </p>
    ${data && !data.labelsAvailable ? html`<p class="alert alert-info small" data-test="staff-labels-unavailable">${t('console.labels.unavailable')}</p>` : nothing}
    ${searchPanel()} ${filters()}
    ${
      q.failed
        ? html`<button
            class="btn btn-secondary"
            type="button"
            data-test="staff-queue-retry"
            @click=${() => {
              q.failed = false;
              update();
            }}
          >
            ${t('common.retry')}
          </button>`
        : nothing
    }
    ${
      q.hits !== null
        ? searchResults()
        : html`${q.loaded && q.tickets.length === 0 ? html`<p data-test="staff-queue-empty">${t('staff.queueEmpty')}</p>` : nothing}
            <ul class="list" data-test="staff-queue">
              ${
                // Keyed by ticket: when a reload re-orders the rows, each element stays its
                // ticket's, so a tap during the re-sort cannot open a different request.
                repeat(
                  q.tickets,
                  (tk) => tk.ticketId,
                  (tk) => row(tk, now, lang),
                )
              }
            </ul>
            ${
              q.nextCursor !== null
                ? html`<button class="btn btn-secondary" type="button" data-test="staff-load-more" ?disabled=${q.loading} @click=${() => void load(true).then(update)}>
                    ${t('console.loadMore')}
                  </button>`
                : nothing
            }`
    }`;
}
