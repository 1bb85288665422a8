// Admin console, one member: admit (compare the key fingerprint the member reads out), disable
// (sessions revoked, grants deleted, a signed staff-remove, then the case for rotating at once),
// role change (row + signed role-set), reset (a re-enrolment link).
import { html, nothing, type TemplateResult } from 'lit-html';
import { adminGrants, adminPatchStaff, type KeyLogEntry } from '../../api';
import { rpc, WorkerError } from '../../crypto-client';
import { t } from '../../i18n';
import { navigate } from '../../navigate';
import { flash, setBusy, state, update } from '../../store';
import { consoleData } from '../staff/console';
import { adminError, adminGate, adminNav, appendSigned, patchWithEntry } from './access';
import { memberStateLabel, roleLabel } from './labels';
import { linkPanel } from './link-panel';
import { inviteLink } from './model';
import { requestRotation } from './rotation';
import { ensureMembers, listedMember, loadMembers, refreshAdminStaff, type ListedMember } from './staff';

interface MemberPage {
  staffId: string | null;
  readOutError: string | null;
  /** After a disable: the prompt to rotate now. */
  askRotate: boolean;
  resetLink: { link: string; expiresAt: number } | null;
}

const fresh = (): MemberPage => ({ staffId: null, readOutError: null, askRotate: false, resetLink: null });
let page: MemberPage = fresh();

export function resetAdminMember(): void {
  page = fresh();
}

const logEntry = (staffId: string) => consoleData()?.directory.find((s) => s.staffId === staffId) ?? null;

function focusSelector(selector: string): void {
  document.querySelector<HTMLElement>(selector)?.focus();
}

/** Runs one admin step under the busy panel; errors become one plain sentence. */
async function step(label: string, work: () => Promise<void>): Promise<void> {
  flash('info', null);
  setBusy(label);
  try {
    await work();
    setBusy(null);
  } catch (err) {
    setBusy(null);
    flash('error', adminError(err));
  }
}

async function admit(ev: Event, m: ListedMember): Promise<void> {
  ev.preventDefault();
  const input = (ev.target as HTMLFormElement).elements.namedItem('readout') as HTMLInputElement;
  const readOut = input.value;
  if (readOut.trim() === '') {
    page.readOutError = t('admin.admit.readOutMissing');
    update();
    input.focus();
    return;
  }
  page.readOutError = null;
  const r = m.row;
  const member = { staffId: r.staffId, username: r.username, role: r.role, status: r.status, boxPk: r.boxPk, signPk: r.signPk };
  flash('info', null);
  setBusy(t('admin.admit.admitting'));
  try {
    // SECURITY: the worker compares before it signs anything; only a match yields a staff-add.
    let first: KeyLogEntry | null = (await rpc('adminPrepareAdmission', { member, readOut })).staffAdd;
    if (first !== null) {
      await appendSigned(async () => {
        if (first !== null) {
          const entry = first;
          first = null;
          return entry;
        }
        const again = (await rpc('adminPrepareAdmission', { member, readOut })).staffAdd;
        if (again === null) throw new WorkerError('already_listed', 'already listed');
        return again;
      });
    }
    const { grant } = await rpc('adminGrantCurrentTeamKey', { staffId: m.staffId });
    await adminGrants([grant]);
    await loadMembers();
    setBusy(null);
    flash('info', t('admin.admit.done', { name: m.username }));
  } catch (err) {
    setBusy(null);
    if (err instanceof WorkerError && err.code === 'fingerprint_differs') {
      // SECURITY: the expected value is not printed here: a person told "copy this" would.
      page.readOutError = t('admin.admit.mismatch');
      update();
      input.focus();
      return;
    }
    flash('error', adminError(err));
  }
}

/**
 * One action: the server revokes the member's sessions, deletes their grants and appends the
 * signed staff-remove in one transaction. Also finishes a removal the log still lacks.
 */
async function disable(m: ListedMember): Promise<void> {
  await step(t('admin.disable.disabling'), async () => {
    await patchWithEntry(m.staffId, () => rpc('adminPrepareDisable', { staffId: m.staffId }));
    await loadMembers();
    page.askRotate = true;
  });
  focusSelector('[data-test="admin-rotate-prompt"] h2');
}

async function changeRole(ev: Event, m: ListedMember): Promise<void> {
  ev.preventDefault();
  const role = (ev.target as HTMLFormElement).elements.namedItem('role') as HTMLSelectElement;
  const next = role.value === 'admin' ? 'admin' : 'technician';
  if (next === m.role && (m.keyLogRole === null || m.keyLogRole === next)) return;
  await step(t('admin.role.changing'), async () => {
    // Admin powers follow the log: the role-set travels with the change when the log lists the member.
    await patchWithEntry(m.staffId, () => rpc('adminPrepareRoleChange', { staffId: m.staffId, role: next }));
    await loadMembers();
    flash('info', t('admin.role.done', { name: m.username, role: roleLabel(next) }));
  });
}

async function reset(m: ListedMember): Promise<void> {
  await step(t('admin.reset.resetting'), async () => {
    const res = await adminPatchStaff(m.staffId, { reset: true });
    if (res.inviteToken) page.resetLink = { link: inviteLink(location.origin, res.inviteToken), expiresAt: res.expiresAt ?? 0 };
    await loadMembers();
  });
  focusSelector('[data-test="admin-reset-link"]');
}

function admitPanel(m: ListedMember): TemplateResult {
  const fp = m.fingerprint;
  return html`<section class="panel stack" aria-labelledby="admit-title" data-test="admin-admit">
    <h2 id="admit-title">${t('admin.admit.title')}</h2>
    <p>${t('admin.admit.intro', { name: m.username })}</p>
    <p id="admit-fp-label" class="small">${t('admin.admit.deskHolds')}</p>
    <p class="code fingerprint fingerprint-large" aria-labelledby="admit-fp-label" data-test="admin-admit-fingerprint">${fp ?? '—'}</p>
    <form class="stack" @submit=${(ev: Event) => void admit(ev, m)} novalidate data-test="admin-admit-form">
      <label for="readout">${t('admin.admit.readOutLabel')}</label>
      <p class="hint" id="readout-hint">${t('admin.admit.readOutHint')}</p>
      <input
        id="readout"
        name="readout"
        type="text"
        inputmode="numeric"
        autocomplete="off"
        spellcheck="false"
        aria-invalid=${page.readOutError ? 'true' : 'false'}
        aria-describedby=${page.readOutError ? 'readout-hint readout-error' : 'readout-hint'}
        data-test="admin-admit-readout"
      />
      ${page.readOutError ? html`<p class="field-error" id="readout-error" data-test="admin-admit-error">${page.readOutError}</p>` : nothing}
      <button class="btn btn-primary" type="submit" data-test="admin-admit-submit">${t('admin.admit.submit')}</button>
    </form>
  </section>`;
}

function startRotationFromPrompt(): void {
  page.askRotate = false;
  requestRotation();
  navigate({ name: 'admin-rotation' });
}

function rotatePrompt(m: ListedMember): TemplateResult {
  return html`<section class="alert alert-info stack" aria-labelledby="rotate-prompt-title" data-test="admin-rotate-prompt">
    <h2 id="rotate-prompt-title" tabindex="-1">${t('admin.disable.rotateTitle')}</h2>
    <p>${t('admin.disable.rotateWhy', { name: m.username })}</p>
    <p>
      <button class="btn btn-primary" type="button" data-test="admin-rotate-now" @click=${() => startRotationFromPrompt()}>${t('admin.disable.rotateNow')}</button>
      <button class="btn btn-secondary" type="button" data-test="admin-rotate-later" @click=${() => ((page.askRotate = false), update())}>${t('admin.disable.rotateLater')}</button>
    </p>
  </section>`;
}

function resetPanel(r: NonNullable<MemberPage['resetLink']>, m: ListedMember): TemplateResult {
  return linkPanel('reset', r, { title: t('admin.reset.linkTitle', { name: m.username }), intro: (time) => t('admin.reset.linkIntro', { time }) });
}

function actions(m: ListedMember): TemplateResult {
  const s = m.state;
  const stillListed = m.keyLog === 'member' || logEntry(m.staffId)?.active === true;
  return html`<section aria-labelledby="actions-title" class="stack">
    <h2 id="actions-title">${t('admin.actionsTitle')}</h2>
    ${
      s === 'disabled'
        ? stillListed
          ? html`<p class="alert alert-error" data-test="admin-remove-unfinished">${t('admin.disable.unfinished')}</p>
              <button class="btn btn-primary" type="button" data-test="admin-disable" @click=${() => void disable(m)}>${t('admin.disable.finish')}</button>`
          : nothing
        : html`<div class="stack">
              <p>${t('admin.disable.intro')}</p>
              <button class="btn btn-danger" type="button" data-test="admin-disable" @click=${() => void disable(m)}>${t('admin.disable.submit')}</button>
            </div>
            <form class="stack" @submit=${(ev: Event) => void changeRole(ev, m)} data-test="admin-role-form">
              <label for="member-role">${t('admin.role.label')}</label>
              <select id="member-role" name="role" data-test="admin-role">
                <option value="technician" ?selected=${m.role === 'technician'}>${roleLabel('technician')}</option>
                <option value="admin" ?selected=${m.role === 'admin'}>${roleLabel('admin')}</option>
              </select>
              <button class="btn btn-secondary" type="submit" data-test="admin-role-submit">${t('admin.role.submit')}</button>
            </form>
            <div class="stack">
              <p>${t('admin.reset.intro')}</p>
              <button class="btn btn-secondary" type="button" data-test="admin-reset" @click=${() => void reset(m)}>${t('admin.reset.submit')}</button>
            </div> `
    }
  </section>`;
}

export function adminMemberView(staffId: string): TemplateResult {
  if (page.staffId !== staffId) page = { ...fresh(), staffId };
  return adminGate(t('admin.memberTitle'), () => {
    ensureMembers();
    const m = listedMember(staffId);
    if (!m) {
      return html`<h1>${t('admin.memberTitle')}</h1>
        ${adminNav('staff')}
        <p class="muted">${t('admin.loading')}</p>`;
    }
    const s = m.state;
    const own = m.staffId === state.staff?.staffId;
    const fp = m.fingerprint;
    return html`<h1>${t('admin.memberTitle')}: <span data-test="admin-member-name">${m.username}</span></h1>
      ${adminNav('staff')}
      <dl class="meta" data-test="admin-member-meta">
        <dt>${t('admin.roleField')}</dt>
        <dd data-test="admin-member-role">${roleLabel(m.role)}</dd>
        <dt>${t('admin.state')}</dt>
        <dd data-test="admin-member-state">${memberStateLabel(s)}</dd>
        ${
          fp && s !== 'awaiting_admission'
            ? html`<dt>${t('admin.fingerprint')}</dt>
                <dd class="code fingerprint" data-test="admin-member-fingerprint">${fp}</dd>`
            : nothing
        }
      </dl>
      ${page.askRotate ? rotatePrompt(m) : nothing} ${page.resetLink ? resetPanel(page.resetLink, m) : nothing} ${s === 'awaiting_admission' ? admitPanel(m) : nothing}
      ${own ? html`<p class="muted">${t('admin.ownAccount')}</p>` : actions(m)}
      <p><a href="#/admin" data-test="admin-back">${t('admin.backToStaff')}</a></p>`;
  });
}

/** Called on entering the member page: a fresh list, so the state shown is the desk's. */
export function enterAdminMember(): void {
  refreshAdminStaff();
}
