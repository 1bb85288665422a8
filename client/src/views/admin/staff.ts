// Admin console, "Team": the staff list (username, role, state, key fingerprint, coarse last
// sign-in) and inviting a member (role, expiry) with the one-time link to copy.
import { html, nothing, type TemplateResult } from 'lit-html';
import { adminCancelInvite, adminInvite, adminStaff, ApiError, type StaffRow } from '../../api';
import { rpc } from '../../crypto-client';
import { describeError } from '../../errors';
import { formatTime } from '../../format';
import { currentLanguage, t } from '../../i18n';
import { STAFF_USERNAME } from '../../rpc';
import { flash, setBusy, update } from '../../store';
import { adminGate, adminNav } from './access';
import { linkPanel } from './link-panel';
import { loaded } from './loaded';
import type { RosterEntry } from '../../rpc';
import { roleLabel, memberStateLabel } from './labels';
import { inviteLink } from './model';

/** An account (with the row the PATCH and admission need) as the roster shows it. */
export type ListedMember = RosterEntry & { staffId: string; row: StaffRow };

/** Invite lifetimes offered (the desk allows up to 72 hours). */
const INVITE_HOURS = [1, 24, 72] as const;

/**
 * The accounts and invites: the worker adds fingerprints and what the verified log says.
 * `roster` has accounts and first invites (staffId null) by username; `rows` the account rows.
 */
const members = loaded(async () => {
  const list = await adminStaff();
  const { roster } = await rpc('adminRoster', { list });
  return { roster, rows: new Map(list.staff.map((r): [string, StaffRow] => [r.staffId, r])) };
});

interface StaffPage {
  invited: { username: string; link: string; expiresAt: number } | null;
  fieldError: string | null;
}

const fresh = (): StaffPage => ({ invited: null, fieldError: null });
let page: StaffPage = fresh();

export function resetAdminStaff(): void {
  members.reset();
  page = fresh();
}

/** Loads the list again on the next render (after a change on another admin page). */
export function refreshAdminStaff(): void {
  members.refresh();
}

export function listedMember(staffId: string): ListedMember | null {
  const entry = members.value?.roster.find((m) => m.staffId === staffId);
  const row = members.value?.rows.get(staffId);
  return entry && row ? { ...entry, staffId, row } : null;
}

/** Loads the accounts and invites now (after a change on this page or a member's). */
export const loadMembers = (): Promise<void> => members.load();

export const ensureMembers = (): void => members.ensure();

async function cancelInvite(username: string): Promise<void> {
  flash('info', null);
  setBusy(t('admin.invite.cancelling'));
  try {
    await adminCancelInvite(username);
    if (page.invited?.username === username) page.invited = null;
    await loadMembers();
    flash('info', t('admin.invite.cancelled', { name: username }));
  } catch (err) {
    flash('error', describeError(err));
  } finally {
    setBusy(null);
  }
}

async function invite(ev: Event): Promise<void> {
  ev.preventDefault();
  const form = ev.target as HTMLFormElement;
  const input = form.elements.namedItem('username') as HTMLInputElement;
  const role = (form.elements.namedItem('role') as HTMLSelectElement).value === 'admin' ? 'admin' : 'technician';
  const ttlHours = Number((form.elements.namedItem('ttl') as HTMLSelectElement).value) || INVITE_HOURS[INVITE_HOURS.length - 1]!;
  const username = input.value.trim().toLowerCase();
  if (!STAFF_USERNAME.test(username)) {
    page.fieldError = t('admin.invite.usernameInvalid');
    update();
    input.focus();
    return;
  }
  page.fieldError = null;
  flash('info', null);
  setBusy(t('admin.invite.inviting'));
  try {
    const res = await adminInvite({ username, role, ttlHours });
    page.invited = { username, link: inviteLink(location.origin, res.inviteToken), expiresAt: res.expiresAt };
    form.reset();
    refreshAdminStaff();
  } catch (err) {
    if (err instanceof ApiError && err.code === 'username_taken') {
      page.fieldError = t('admin.invite.usernameTaken');
      setBusy(null);
      input.focus();
      return;
    }
    flash('error', describeError(err));
  } finally {
    setBusy(null);
  }
  document.querySelector<HTMLElement>('[data-test="admin-invite-link"]')?.focus();
}

function invitedPanel(inv: NonNullable<StaffPage['invited']>): TemplateResult {
  return linkPanel('invite', inv, {
    title: t('admin.invite.linkTitle', { name: inv.username }),
    intro: (time) => t('admin.invite.linkIntro', { time }),
    hint: t('admin.invite.linkHint'),
  });
}

function inviteForm(): TemplateResult {
  return html`<section aria-labelledby="invite-title">
    <h2 id="invite-title">${t('admin.invite.title')}</h2>
    <form class="stack" @submit=${invite} novalidate data-test="admin-invite-form">
      <label for="invite-username">${t('admin.invite.username')}</label>
      <input
        id="invite-username"
        name="username"
        type="text"
        autocomplete="off"
        autocapitalize="none"
        spellcheck="false"
        maxlength="64"
        aria-invalid=${page.fieldError ? 'true' : 'false'}
        aria-describedby=${page.fieldError ? 'invite-username-hint invite-username-error' : 'invite-username-hint'}
        data-test="admin-invite-username"
      />
      <p class="hint" id="invite-username-hint">${t('admin.invite.usernameHint')}</p>
      ${page.fieldError ? html`<p class="field-error" id="invite-username-error" data-test="admin-invite-error">${page.fieldError}</p>` : nothing}
      <label for="invite-role">${t('admin.roleField')}</label>
      <select id="invite-role" name="role" data-test="admin-invite-role">
        <option value="technician">${roleLabel('technician')}</option>
        <option value="admin">${roleLabel('admin')}</option>
      </select>
      <label for="invite-ttl">${t('admin.invite.expiry')}</label>
      <select id="invite-ttl" name="ttl" aria-describedby="invite-ttl-hint" data-test="admin-invite-ttl">
        ${INVITE_HOURS.map((h) => html`<option value=${h} ?selected=${h === 72}>${t('admin.invite.hours', { n: h })}</option>`)}
      </select>
      <p class="hint" id="invite-ttl-hint">${t('admin.invite.expiryHint')}</p>
      <button class="btn btn-primary" type="submit" data-test="admin-invite-submit">${t('admin.invite.submit')}</button>
    </form>
  </section>`;
}

function memberRow(m: RosterEntry): TemplateResult {
  const lang = currentLanguage();
  const body = html`<strong>${m.username}</strong>
    <span class="small">
      <span class="pill" data-test="admin-member-role">${roleLabel(m.role)}</span>
      <span class=${m.state === 'awaiting_admission' ? 'pill pill-attention' : 'pill'} data-test="admin-member-state">${memberStateLabel(m.state)}</span>
    </span>
    <span class="small muted">
      ${t('admin.lastSignIn')}:
      ${m.lastSignInDay === null ? t('admin.never') : new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${m.lastSignInDay}T00:00:00Z`))}
    </span>
    ${m.fingerprint ? html`<span class="small code fingerprint" data-test="admin-member-fingerprint">${m.fingerprint}</span>` : nothing}
    ${m.inviteExpiresAt !== null ? html`<span class="small muted">${t('admin.invite.expires', { time: formatTime(m.inviteExpiresAt, lang) })}</span>` : nothing}`;
  return html`<li class="member" data-test="admin-member" data-staff-id=${m.staffId ?? ''} data-username=${m.username} data-state=${m.state}>
    ${
      m.staffId === null
        ? html`<div class="list-item">
            ${body}
            <button class="btn btn-secondary" type="button" data-test="admin-invite-cancel" @click=${() => void cancelInvite(m.username)}>
              ${t('admin.invite.cancel', { name: m.username })}
            </button>
          </div>`
        : html`<a class="list-item" href=${`#/admin/staff/${m.staffId}`} data-test="admin-member-open">${body}</a>`
    }
  </li>`;
}

export function adminStaffView(): TemplateResult {
  return adminGate(t('admin.staffTitle'), () => {
    ensureMembers();
    return html`<h1>${t('admin.staffTitle')}</h1>
      ${adminNav('staff')} ${page.invited ? invitedPanel(page.invited) : nothing}
      <section aria-labelledby="members-title">
        <h2 id="members-title">${t('admin.membersTitle')}</h2>
        <p><button class="btn btn-secondary" type="button" data-test="admin-staff-refresh" @click=${() => void loadMembers()}>${t('admin.refresh')}</button></p>
        ${members.render(
          ({ roster }) =>
            html`<ul class="list" data-test="admin-staff-list">
              ${roster.map(memberRow)}
            </ul>`,
          'admin-staff-retry',
        )}
      </section>
      ${inviteForm()}`;
  });
}
