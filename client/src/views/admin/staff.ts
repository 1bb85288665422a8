// Admin console, "Team": the staff list (username, role, state, key fingerprint, coarse last
// sign-in) and inviting a member (role, expiry) with the one-time link to copy.
import { html, nothing, type TemplateResult } from 'lit-html';
import { adminInvite, adminStaff, ApiError, type StaffRow } from '../../api';
import { rpc } from '../../crypto-client';
import { describeError } from '../../errors';
import { formatTime } from '../../format';
import { currentLanguage, t } from '../../i18n';
import { STAFF_USERNAME } from '../../rpc';
import { flash, setBusy, update } from '../../store';
import { adminGate, adminNav } from './access';
import { roleLabel, memberStateLabel } from './labels';
import { inviteLink, lastSignInDay, memberState } from './model';

/** A row as the list shows it; the server may add `state` and `lastSignInDay` (issue 10). */
export type ListedMember = StaffRow & { state?: string; lastSignInDay?: number | null; inviteExpiresAt?: number | null };

interface StaffPage {
  members: ListedMember[] | null;
  /** staffId → fingerprint in the one display form, computed in the worker. */
  fingerprints: Record<string, string>;
  loading: boolean;
  failed: boolean;
  invited: { username: string; link: string; expiresAt: number } | null;
  copied: boolean;
  fieldError: string | null;
}

const fresh = (): StaffPage => ({ members: null, fingerprints: {}, loading: false, failed: false, invited: null, copied: false, fieldError: null });
let page: StaffPage = fresh();

export function resetAdminStaff(): void {
  page = fresh();
}

/** Loads the list again on the next render (after a change on another admin page). */
export function refreshAdminStaff(): void {
  page.members = null;
  page.failed = false;
}

export function listedMember(staffId: string): ListedMember | null {
  return page.members?.find((m) => m.staffId === staffId) ?? null;
}

export function memberFingerprint(staffId: string): string | null {
  return page.fingerprints[staffId] ?? null;
}

/** Loads the accounts and their key fingerprints (shared with the member page). */
export async function loadMembers(): Promise<void> {
  page.loading = true;
  try {
    const { staff } = await adminStaff();
    const keyed = staff.flatMap((m) => (m.boxPk && m.signPk ? [{ staffId: m.staffId, boxPk: m.boxPk, signPk: m.signPk }] : []));
    const { fingerprints } = keyed.length > 0 ? await rpc('adminKeyFingerprints', { members: keyed }) : { fingerprints: {} };
    page.members = [...(staff as ListedMember[])].sort((a, b) => a.username.localeCompare(b.username));
    page.fingerprints = fingerprints;
    page.failed = false;
  } catch (err) {
    page.failed = true;
    flash('error', describeError(err));
  } finally {
    page.loading = false;
    update();
  }
}

export function ensureMembers(): void {
  if (page.members === null && !page.loading && !page.failed) void loadMembers();
}

async function invite(ev: Event): Promise<void> {
  ev.preventDefault();
  const form = ev.target as HTMLFormElement;
  const input = form.elements.namedItem('username') as HTMLInputElement;
  const role = (form.elements.namedItem('role') as HTMLSelectElement).value === 'admin' ? 'admin' : 'technician';
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
    const res = await adminInvite({ username, role });
    page.invited = { username, link: inviteLink(location.origin, res.inviteToken), expiresAt: res.expiresAt };
    page.copied = false;
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

/** Copies a one-time link; says so in words (a screen reader hears the status). */
export async function copyText(text: string, done: () => void): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    done();
  } catch {
    // No clipboard permission (or an old browser): the link stays selected for a manual copy.
    const el = document.querySelector<HTMLInputElement>('[data-test="admin-invite-link"], [data-test="admin-reset-link"]');
    el?.select();
  }
  update();
}

function invitedPanel(inv: NonNullable<StaffPage['invited']>): TemplateResult {
  const lang = currentLanguage();
  return html`<section class="panel stack" aria-labelledby="invited-title" data-test="admin-invited">
    <h2 id="invited-title">${t('admin.invite.linkTitle', { name: inv.username })}</h2>
    <p>${t('admin.invite.linkIntro', { time: formatTime(inv.expiresAt, lang) })}</p>
    <label for="invite-link">${t('admin.invite.linkLabel')}</label>
    <input id="invite-link" class="code" type="text" readonly .value=${inv.link} data-test="admin-invite-link" @focus=${(ev: Event) => (ev.target as HTMLInputElement).select()} />
    <p>
      <button class="btn btn-secondary" type="button" data-test="admin-invite-copy" @click=${() => void copyText(inv.link, () => (page.copied = true))}>${t('admin.copy')}</button>
      <span role="status" class="small">${page.copied ? t('admin.copied') : ''}</span>
    </p>
    <p class="hint">${t('admin.invite.linkHint')}</p>
  </section>`;
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
      <p class="hint">${t('admin.invite.expiryHint')}</p>
      <button class="btn btn-primary" type="submit" data-test="admin-invite-submit">${t('admin.invite.submit')}</button>
    </form>
  </section>`;
}

function memberRow(m: ListedMember): TemplateResult {
  const lang = currentLanguage();
  const s = memberState(m);
  const day = lastSignInDay(m);
  const fp = page.fingerprints[m.staffId];
  return html`<li class="member" data-test="admin-member" data-staff-id=${m.staffId} data-username=${m.username} data-state=${s}>
    <a class="list-item" href=${`#/admin/staff/${m.staffId}`} data-test="admin-member-open">
      <strong>${m.username}</strong>
      <span class="small">
        <span class="pill" data-test="admin-member-role">${roleLabel(m.role)}</span>
        <span class=${s === 'awaiting_admission' ? 'pill pill-attention' : 'pill'} data-test="admin-member-state">${memberStateLabel(s)}</span>
      </span>
      <span class="small muted">
        ${t('admin.lastSignIn')}: ${day === null ? t('admin.never') : new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(day * 1000))}
      </span>
      ${fp ? html`<span class="small code fingerprint" data-test="admin-member-fingerprint">${fp}</span>` : nothing}
    </a>
  </li>`;
}

export function adminStaffView(): TemplateResult {
  return adminGate(t('admin.staffTitle'), () => {
    ensureMembers();
    return html`<h1>${t('admin.staffTitle')}</h1>
      ${adminNav('staff')} ${page.invited ? invitedPanel(page.invited) : nothing}
      <section aria-labelledby="members-title">
        <h2 id="members-title">${t('admin.membersTitle')}</h2>
        ${
          page.members === null
            ? page.failed
              ? html`<button class="btn btn-secondary" type="button" data-test="admin-staff-retry" @click=${() => void loadMembers()}>${t('common.retry')}</button>`
              : html`<p class="muted">${t('admin.loading')}</p>`
            : html`<ul class="list" data-test="admin-staff-list">
                ${page.members.map(memberRow)}
              </ul>`
        }
      </section>
      ${inviteForm()}`;
  });
}
