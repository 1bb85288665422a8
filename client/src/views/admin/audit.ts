// Admin console, "Audit log": the hash-chained audit rows in words, newest first, with filters
// (who, what, when) and the chain's verification result (the server recomputes every row's hash
// on each request, as `audit-verify` does). Names come from the verified
// key log's directory; an actor the log never listed is shown by id.
import { html, nothing, type TemplateResult } from 'lit-html';
import { adminAudit, type AuditEntry, type AuditPage } from '../../api';
import { formatTime } from '../../format';
import { currentLanguage, t } from '../../i18n';
import { update } from '../../store';
import { consoleData } from '../staff/console';
import { adminGate, adminNav } from './access';
import { loaded } from './loaded';
import { filterAudit, NO_AUDIT_FILTERS, type AuditFilters } from './model';

/** The whole chain is read (in pages of 500) so the links can be checked from the first row. */
const MAX_ROWS = 20_000;
const SHOWN = 200;

const audit = loaded(async (): Promise<{ entries: AuditEntry[]; chain: AuditPage['chain'] }> => {
  const entries: AuditEntry[] = [];
  let after = 0;
  for (;;) {
    const pageOf = await adminAudit(after, 500);
    entries.push(...pageOf.entries);
    if (pageOf.nextAfter === null || entries.length >= MAX_ROWS) return { entries, chain: pageOf.chain };
    after = pageOf.nextAfter;
  }
});
let filters: AuditFilters = { ...NO_AUDIT_FILTERS };

export function resetAdminAudit(): void {
  audit.reset();
  filters = { ...NO_AUDIT_FILTERS };
}

export function enterAdminAudit(): void {
  audit.refresh();
}

const nameOf = (staffId: string | null): string =>
  staffId === null ? t('admin.audit.system') : (consoleData()?.directory.find((s) => s.staffId === staffId)?.username ?? staffId);

/** A date field's value (YYYY-MM-DD, local day) as Unix seconds at its start or end. */
function dayBound(value: string, end: boolean): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const d = new Date(`${value}T00:00:00`);
  const start = Math.floor(d.getTime() / 1000);
  return Number.isFinite(start) ? (end ? start + 86_399 : start) : null;
}

function setFilter(key: keyof AuditFilters, ev: Event): void {
  const value = (ev.target as HTMLInputElement | HTMLSelectElement).value;
  if (key === 'from' || key === 'to') filters[key] = dayBound(value, key === 'to');
  else filters[key] = value;
  update();
}

function detailText(e: AuditEntry): string {
  const parts = Object.entries(e.detail).map(([k, v]) => `${k}: ${typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)}`);
  return parts.join(', ');
}

function chainPanel(c: AuditPage['chain']): TemplateResult {
  return c.ok
    ? html`<p class="alert alert-info" data-test="admin-audit-chain" data-ok="true">${t('admin.audit.chainOk', { n: c.count })}</p>`
    : html`<p class="alert alert-danger" role="alert" data-test="admin-audit-chain" data-ok="false">${t('admin.audit.chainBroken', { seq: c.brokenAt ?? '?' })}</p>`;
}

function filtersPanel(entries: AuditEntry[]): TemplateResult {
  const actors = [...new Set(entries.map((e) => e.actorStaffId).filter((a): a is string => a !== null))].sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  return html`<div class="filters" data-test="admin-audit-filters">
    <div>
      <label for="audit-who">${t('admin.audit.who')}</label>
      <select id="audit-who" data-test="admin-audit-who" @change=${(ev: Event) => setFilter('who', ev)}>
        <option value="">${t('admin.audit.anyone')}</option>
        <option value="system">${t('admin.audit.system')}</option>
        ${actors.map((a) => html`<option value=${a} ?selected=${filters.who === a}>${nameOf(a)}</option>`)}
      </select>
    </div>
    <div>
      <label for="audit-what">${t('admin.audit.what')}</label>
      <select id="audit-what" data-test="admin-audit-what" @change=${(ev: Event) => setFilter('what', ev)}>
        <option value="">${t('admin.audit.anything')}</option>
        <option value="staff.">${t('admin.audit.familyStaff')}</option>
        <option value="keylog.">${t('admin.audit.familyKeylog')}</option>
        <option value="rotation.">${t('admin.audit.familyRotation')}</option>
      </select>
    </div>
    <div>
      <label for="audit-from">${t('admin.audit.from')}</label>
      <input id="audit-from" type="date" data-test="admin-audit-from" @change=${(ev: Event) => setFilter('from', ev)} />
    </div>
    <div>
      <label for="audit-to">${t('admin.audit.to')}</label>
      <input id="audit-to" type="date" data-test="admin-audit-to" @change=${(ev: Event) => setFilter('to', ev)} />
    </div>
  </div>`;
}

function entriesList(entries: AuditEntry[]): TemplateResult {
  const lang = currentLanguage();
  const shown = filterAudit(entries, filters).reverse();
  return html`<p class="muted small" data-test="admin-audit-count">${t('admin.audit.count', { shown: Math.min(shown.length, SHOWN), total: shown.length })}</p>
    <ol class="list audit" data-test="admin-audit-list" reversed>
      ${shown.slice(0, SHOWN).map(
        (e) =>
          html`<li class="list-item" data-test="admin-audit-entry" data-action=${e.action} data-seq=${e.seq}>
            <span><strong>${e.action}</strong> · ${nameOf(e.actorStaffId)}${e.target ? html` → <span class="code-inline">${nameOf(e.target)}</span>` : nothing}</span>
            <span class="small muted">#${e.seq} · ${formatTime(e.at, lang)}${detailText(e) ? ` · ${detailText(e)}` : ''}</span>
          </li>`,
      )}
    </ol>`;
}

export function adminAuditView(): TemplateResult {
  return adminGate(t('admin.auditTitle'), () => {
    audit.ensure();
    return html`<h1>${t('admin.auditTitle')}</h1>
      ${adminNav('audit')}
      <p class="lead">${t('admin.audit.intro')}</p>
      ${audit.render(({ entries, chain }) => html`${chainPanel(chain)} ${filtersPanel(entries)} ${entriesList(entries)}`)}`;
  });
}
