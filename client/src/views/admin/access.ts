// Who sees the admin console, its navigation, and the one way admin pages append to the key log.
// SECURITY: the console is shown only to a member the VERIFIED key log lists as an active admin
// (the worker's directory comes from that log, not from the server's account row); the server
// checks the same rule on every /api/admin route and POST /api/keylog anyway.
import { html, nothing, type TemplateResult } from 'lit-html';
import { adminPatchStaff, ApiError, appendKeyLog, type KeyLogEntry, type PatchedStaff, type StaffPatchBody } from '../../api';
import { rpc, WorkerError } from '../../crypto-client';
import { describeError } from '../../errors';
import { t } from '../../i18n';
import { state, update } from '../../store';
import { ensureTrusted } from '../../trust';
import { consoleData, loadConsoleData } from '../staff/console';

export type AdminTab = 'staff' | 'rotation' | 'audit' | 'policy';

/** True once the directory is loaded and lists the signed-in member as an active admin. */
export function isLogAdmin(): boolean {
  const me = state.staff?.staffId;
  if (!me) return false;
  const entry = consoleData()?.directory.find((s) => s.staffId === me);
  return entry?.active === true && entry.role === 'admin';
}

let directoryRequested = false;

/**
 * The page for a signed-in admin, or the reason there is none: locked, still loading the
 * directory, or not an admin per the key log.
 */
export function adminGate(title: string, body: () => TemplateResult): TemplateResult {
  if (!state.staff) {
    return html`<h1>${title}</h1>
      <p>${t('staff.lockedNotice')}</p>
      <a class="btn btn-primary" href="#/staff/login">${t('staff.signIn')}</a>`;
  }
  if (consoleData() === null) {
    if (!directoryRequested) {
      directoryRequested = true;
      void loadConsoleData()
        .catch(() => undefined)
        .finally(() => {
          directoryRequested = false;
          update();
        });
    }
    return html`<h1>${title}</h1>
      <p class="muted">${t('admin.loading')}</p>`;
  }
  if (!isLogAdmin()) {
    return html`<h1>${title}</h1>
      <p class="alert alert-info" data-test="admin-not-admin">${t('admin.notAdmin')}</p>
      <p><a href="#/staff/queue">${t('staff.backToQueue')}</a></p>`;
  }
  return body();
}

/** The admin pages' tabs; the current one is marked for assistive technology too. */
export function adminNav(current: AdminTab): TemplateResult {
  const tab = (name: AdminTab, href: string, label: string): TemplateResult =>
    html`<li><a href=${href} aria-current=${current === name ? 'page' : nothing} data-test=${`admin-nav-${name}`}>${label}</a></li>`;
  return html`<nav class="admin-nav" aria-label=${t('admin.navLabel')}>
    <ul>
      ${tab('staff', '#/admin', t('admin.nav.staff'))} ${tab('rotation', '#/admin/rotation', t('admin.nav.rotation'))} ${tab('audit', '#/admin/audit', t('admin.nav.audit'))}
      ${tab('policy', '#/admin/policy', t('admin.nav.policy'))}
      <li><a href="#/staff/queue">${t('admin.nav.queue')}</a></li>
    </ul>
  </nav>`;
}

/**
 * Signs an entry in the worker (against the verified log), posts it, and adopts it once the
 * server accepted it. A conflict (another admin appended first) re-verifies the log and signs
 * again once; any other refusal re-verifies too, so the worker never keeps a log the server
 * does not have.
 */
export async function appendSigned(sign: () => Promise<KeyLogEntry>): Promise<KeyLogEntry> {
  for (let attempt = 0; ; attempt++) {
    const entry = await sign();
    try {
      await appendKeyLog(entry);
    } catch (err) {
      await ensureTrusted(true);
      if (attempt === 0 && err instanceof ApiError && err.code === 'keylog_conflict') continue;
      throw err;
    }
    await rpc('adminRecordEntry', { entry });
    // The directory (names, roles, who is active) follows the log.
    await loadConsoleData(true);
    return entry;
  }
}

/**
 * An account change that carries its signed key-log entry (disable → staff-remove, role →
 * role-set): the server applies both in one transaction, then the worker adopts the entry. A
 * conflict (another admin appended first) re-verifies the log and prepares it again, once.
 */
export async function patchWithEntry(staffId: string, prepare: () => Promise<{ body: StaffPatchBody; entry: KeyLogEntry | null }>): Promise<PatchedStaff> {
  for (let attempt = 0; ; attempt++) {
    const { body, entry } = await prepare();
    let res: PatchedStaff;
    try {
      res = await adminPatchStaff(staffId, body);
    } catch (err) {
      if (entry === null) throw err;
      await ensureTrusted(true);
      if (attempt === 0 && err instanceof ApiError && err.code === 'keylog_conflict') continue;
      throw err;
    }
    if (entry !== null) {
      await rpc('adminRecordEntry', { entry });
      await loadConsoleData(true);
    }
    return res;
  }
}

/** An admin step's failure in one plain sentence. */
export function adminError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'self_change') return t('admin.errors.selfChange');
    if (err.code === 'last_admin') return t('admin.errors.lastAdmin');
    if (err.code === 'keylog_mismatch') return t('admin.errors.keylogMismatch');
    if (err.code === 'not_in_keylog') return t('admin.errors.notInKeylog');
  }
  if (err instanceof WorkerError && err.code === 'not_activated') return t('admin.errors.notActivated');
  return describeError(err);
}
