// Staff view of one ticket: the decrypted thread (replies and internal notes, each with its
// signature mark), reply to the requester, internal note (under N, team only), claim/unclaim,
// assign, status, priority and private labels.
import { html, nothing, type TemplateResult } from 'lit-html';
import { postMessage, staffPatchTicket, staffTicket, ticketMessages, type StaffTicket, type StaffTicketPatch, type TicketPriority, type TicketStatus } from '../../api';
import { rpc } from '../../crypto-client';
import { describeError } from '../../errors';
import { currentLanguage, t } from '../../i18n';
import type { Category } from '../../rpc';
import { CATEGORIES } from '../../rpc';
import { flash, setBusy, state, update } from '../../store';
import { attachPicker, hasPicked, refreshAttachments, resetAttachments, ticketAttachments, uploadPicked } from '../attachments';
import { lockIcon } from '../icons';
import { categoryLabel } from '../labels';
import { LIMITS } from '../new-request';
import { formatAge } from './age';
import { consoleData, createLabel, loadConsoleData, staffName, ticketLabelNames } from './console';
import { priorityLabel, staffStatusLabel } from './labels';
import { languageEndonym, PRIORITIES, STATUSES } from './queue';
import { markOpened } from './seen';
import { staffThread } from './thread-list';
import { endedSession } from './session';

const tickets = new Map<string, StaffTicket>();
/** False when N is sealed to a team key this member does not hold. */
const canWriteNotes = new Map<string, boolean>();
const loading = new Set<string>();
const failed = new Set<string>();

export function resetStaffTickets(): void {
  tickets.clear();
  canWriteNotes.clear();
  loading.clear();
  failed.clear();
  resetAttachments();
}

async function load(ticketId: string): Promise<void> {
  loading.add(ticketId);
  setBusy(t('thread.loading'));
  try {
    await loadConsoleData();
    const ticket = await staffTicket(ticketId);
    const { messages } = await ticketMessages(ticketId);
    const opened = await rpc('staffOpenTicket', { ticket, messages });
    tickets.set(ticketId, ticket);
    canWriteNotes.set(ticketId, opened.canWriteNotes);
    state.threads.set(ticketId, opened.messages);
  } catch (err) {
    if (endedSession(err)) return;
    failed.add(ticketId);
    flash('error', describeError(err));
  } finally {
    loading.delete(ticketId);
    setBusy(null);
  }
}

/**
 * Opening a ticket (from the queue, a search hit or a link) always fetches it again: the requester
 * may have answered since it was last opened, and a cached thread would hide that answer.
 */
export function enterStaffTicket(ticketId: string): void {
  if (loading.has(ticketId)) return;
  tickets.delete(ticketId);
  canWriteNotes.delete(ticketId);
  failed.delete(ticketId);
  state.threads.delete(ticketId);
  refreshAttachments(ticketId);
}

/** Claiming a new ticket also opens it: "someone is on this" is what `open` means. */
export function claimPatch(ticket: Pick<StaffTicket, 'status'>, me: string): StaffTicketPatch {
  return ticket.status === 'new' ? { assigneeId: me, status: 'open' } : { assigneeId: me };
}

async function patch(ticketId: string, change: StaffTicketPatch): Promise<void> {
  try {
    const updated = await staffPatchTicket(ticketId, change);
    tickets.set(ticketId, updated);
    flash('info', t('staff.saved'));
  } catch (err) {
    if (endedSession(err)) return;
    flash('error', describeError(err));
  }
  update();
}

async function send(ev: Event, ticketId: string, kind: 'message' | 'note'): Promise<void> {
  ev.preventDefault();
  const form = ev.target as HTMLFormElement;
  const field = form.elements.namedItem(kind === 'note' ? 'note' : 'reply') as HTMLTextAreaElement | null;
  const body = field?.value ?? '';
  // A reply may be files only; notes carry none (a file is readable by the requester: it is under K).
  const files = kind === 'message' && hasPicked(`reply:${ticketId}`);
  if ((body.trim() === '' && !files) || body.length > LIMITS.body) return;
  setBusy(t('progress.sending'));
  try {
    if (kind === 'note') {
      const sealed = await rpc('staffSealNote', { ticketId, body });
      await postMessage(ticketId, { messageId: sealed.messageId, kind: 'note', envelope: sealed.envelope, ...(sealed.noteWrap ? { noteWrap: sealed.noteWrap } : {}) });
    } else if (body.trim() !== '') {
      const sealed = await rpc('staffSealReply', { ticketId, body, lang: currentLanguage() });
      await postMessage(ticketId, { messageId: sealed.messageId, kind: 'message', envelope: sealed.envelope });
    }
    if (field) field.value = '';
    if (body.trim() !== '') flash('info', kind === 'note' ? t('console.note.saved') : t('thread.sent'));
    setBusy(null);
    if (files) await uploadPicked(`reply:${ticketId}`, ticketId);
  } catch (err) {
    if (endedSession(err)) return;
    flash('error', describeError(err));
  } finally {
    // Reload either way: on success to show it, on a conflict to pick up the server's note key.
    state.threads.delete(ticketId);
    setBusy(null);
  }
}

async function toggleLabel(ticket: StaffTicket, tag: string, on: boolean): Promise<void> {
  const next = on ? [...new Set([...ticket.labels, tag])] : ticket.labels.filter((x) => x !== tag);
  await patch(ticket.ticketId, { labels: next });
}

async function onCreateLabel(ev: Event, ticket: StaffTicket): Promise<void> {
  ev.preventDefault();
  const field = (ev.target as HTMLFormElement).elements.namedItem('label-name') as HTMLInputElement | null;
  const name = field?.value.trim() ?? '';
  if (name === '' || name.length > 100) return;
  try {
    const tag = await createLabel(name);
    if (field) field.value = '';
    await toggleLabel(tickets.get(ticket.ticketId) ?? ticket, tag, true);
  } catch (err) {
    if (endedSession(err)) return;
    flash('error', describeError(err));
    update();
  }
}

function triage(ticket: StaffTicket): TemplateResult {
  const me = state.staff?.staffId ?? '';
  const mine = ticket.assigneeId === me;
  const directory = consoleData()?.directory ?? [];
  return html`<section class="card triage" data-test="staff-triage">
    <div class="triage-row">
      ${
        mine
          ? html`<button class="btn btn-secondary" type="button" data-test="staff-unclaim" @click=${() => void patch(ticket.ticketId, { assigneeId: null })}>
              ${t('console.unclaim')}
            </button>`
          : html`<button class="btn btn-primary" type="button" data-test="staff-claim" @click=${() => void patch(ticket.ticketId, claimPatch(ticket, me))}>
              ${t('console.claim')}
            </button>`
      }
      <div>
        <label for="ticket-assignee">${t('console.assignee')}</label>
        <select
          id="ticket-assignee"
          data-test="staff-ticket-assignee"
          @change=${(ev: Event) => {
            const v = (ev.target as HTMLSelectElement).value;
            void patch(ticket.ticketId, { assigneeId: v === '' ? null : v });
          }}
        >
          <option value="" ?selected=${ticket.assigneeId === null}>${t('console.unassigned')}</option>
          ${directory
            .filter((s) => s.active || s.staffId === ticket.assigneeId)
            .map((s) => html`<option value=${s.staffId} ?selected=${ticket.assigneeId === s.staffId}>${s.username}${s.staffId === me ? ` (${t('console.me')})` : ''}</option>`)}
        </select>
      </div>
      <div>
        <label for="ticket-status">${t('staff.status')}</label>
        <select
          id="ticket-status"
          data-test="staff-ticket-status"
          @change=${(ev: Event) => {
            const v = (ev.target as HTMLSelectElement).value;
            if ((STATUSES as readonly string[]).includes(v)) void patch(ticket.ticketId, { status: v as TicketStatus });
          }}
        >
          ${STATUSES.map((s) => html`<option value=${s} ?selected=${ticket.status === s}>${staffStatusLabel(s)}</option>`)}
        </select>
      </div>
      <div>
        <label for="ticket-priority">${t('console.priority')}</label>
        <select
          id="ticket-priority"
          data-test="staff-ticket-priority"
          @change=${(ev: Event) => {
            const v = (ev.target as HTMLSelectElement).value;
            if ((PRIORITIES as readonly string[]).includes(v)) void patch(ticket.ticketId, { priority: v as TicketPriority });
          }}
        >
          ${PRIORITIES.map((p) => html`<option value=${p} ?selected=${ticket.priority === p}>${priorityLabel(p)}</option>`)}
        </select>
      </div>
    </div>
    ${labelsEditor(ticket)}
  </section>`;
}

function labelsEditor(ticket: StaffTicket): TemplateResult {
  const data = consoleData();
  if (!data?.labelsAvailable) return html`<p class="muted small" data-test="staff-labels-unavailable">${t('console.labels.unavailable')}</p>`;
  const unknown = ticketLabelNames(ticket).unknown;
  return html`<fieldset class="labels" data-test="staff-ticket-labels">
    <legend>${t('console.labels.title')}</legend>
    <p class="hint">${t('console.labels.private')}</p>
    <div class="chips">
      ${data.labels.map(
        (l) =>
          html`<label class="chip-check">
            <input
              type="checkbox"
              data-test="staff-label-toggle"
              data-label=${l.name}
              .checked=${ticket.labels.includes(l.tag)}
              @change=${(ev: Event) => void toggleLabel(ticket, l.tag, (ev.target as HTMLInputElement).checked)}
            />
            ${l.name}
          </label>`,
      )}
      ${unknown > 0 ? html`<span class="chip chip-muted">${t('console.labels.unknownCount', { count: unknown })}</span>` : nothing}
    </div>
    <form class="inline-form" data-test="staff-label-create-form" @submit=${(ev: Event) => void onCreateLabel(ev, ticket)} novalidate>
      <label for="label-name">${t('console.labels.newLabel')}</label>
      <input id="label-name" name="label-name" type="text" maxlength="100" autocomplete="off" data-test="staff-label-name" />
      <button class="btn btn-secondary" type="submit" data-test="staff-label-create">${t('console.labels.add')}</button>
    </form>
  </fieldset>`;
}

function forms(ticketId: string, ticket: StaffTicket): TemplateResult {
  const notesOk = canWriteNotes.get(ticketId) !== false;
  return html`${
      ticket.status === 'closed'
        ? html`<p class="muted" data-test="staff-closed-note">${t('console.closedNoReply')}</p>`
        : html`<form class="stack reply-form" @submit=${(ev: Event) => send(ev, ticketId, 'message')} novalidate data-test="staff-reply-form">
            <label for="reply">${t('staff.replyToRequester')}</label>
            <p class="hint">${t('console.replyHint')}</p>
            <textarea id="reply" name="reply" rows="5" maxlength=${LIMITS.body} data-test="staff-reply-body"></textarea>
            ${attachPicker(`reply:${ticketId}`)}
            <button class="btn btn-primary" type="submit" data-test="staff-reply-send">${t('console.sendReply')}</button>
          </form>`
    }
    <form class="stack note-form" @submit=${(ev: Event) => send(ev, ticketId, 'note')} novalidate data-test="staff-note-form">
      <label for="note">${lockIcon()} ${t('console.note.label')}</label>
      <p class="hint">${t('console.note.hint')}</p>
      ${
        notesOk
          ? html`<textarea id="note" name="note" rows="3" maxlength=${LIMITS.body} data-test="staff-note-body"></textarea>
              <button class="btn btn-note" type="submit" data-test="staff-note-send">${t('console.note.save')}</button>`
          : html`<p class="alert alert-error small" data-test="staff-note-unavailable">${t('console.note.noKey')}</p>`
      }
    </form>`;
}

function isCategory(c: string | undefined): c is Category {
  return c !== undefined && (CATEGORIES as readonly string[]).includes(c);
}

export function staffTicketView(ticketId: string): TemplateResult {
  if (!state.staff)
    return html`<p>${t('staff.lockedNotice')}</p>
      <a class="btn btn-primary" href="#/staff/login">${t('staff.signIn')}</a>`;
  const messages = state.threads.get(ticketId);
  const ticket = tickets.get(ticketId);
  if (!messages || !ticket) {
    if (failed.has(ticketId)) {
      return html`<p><a href="#/staff/queue" data-test="staff-back">← ${t('staff.backToQueue')}</a></p>
        <button
          class="btn btn-secondary"
          type="button"
          data-test="staff-ticket-retry"
          @click=${() => {
            failed.delete(ticketId);
            update();
          }}
        >
          ${t('common.retry')}
        </button>`;
    }
    if (!loading.has(ticketId)) void load(ticketId).then(update);
    return html`<h1>${t('thread.title')}</h1>`;
  }
  markOpened(ticket);
  const first = messages.find((m) => m.subject !== undefined);
  const assignee = ticket.assigneeId === null ? t('console.unassigned') : (staffName(ticket.assigneeId) ?? t('console.unknownStaff'));
  const now = Math.floor(Date.now() / 1000);
  return html`<p><a href="#/staff/queue" data-test="staff-back">← ${t('staff.backToQueue')}</a></p>
    <h1 data-test="staff-ticket-subject">${first?.subject ?? t('thread.title')}</h1>
    <p class="muted small" data-test="staff-ticket-meta">
      ${isCategory(first?.category) ? html`${categoryLabel(first.category)} · ` : nothing}${staffStatusLabel(ticket.status)} · ${priorityLabel(ticket.priority)} ·
      ${t('console.assignee')}: ${assignee} · ${formatAge(ticket.createdAt, now, currentLanguage())}
      ${first?.lang ? ` · ${t('console.replyLanguage', { language: languageEndonym(first.lang) })}` : ''}
    </p>
    ${first?.contact ? html`<p class="small" data-test="staff-ticket-contact">${t('console.contact')}: ${first.contact}</p>` : nothing} ${triage(ticket)} ${staffThread(messages)}
    ${ticketAttachments(ticketId, 'staff')} ${forms(ticketId, ticket)}`;
}
