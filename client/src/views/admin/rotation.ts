// Admin console, "Key rotation" (docs/API.md "Rotation", SPEC §7): one button drives the same
// steps as `cli rotate`: team-key v+1 → grants → re-wrap in batches → team-key-retire. Every step
// is one the server counts, so a run stopped by a reload, a crash or a closed tab resumes from what
// the server says is left ("Continue rotation"). Keys that cannot be re-wrapped are listed with the
// reason instead of stopping forever; the older version then stays live until they are dealt with.
import { html, nothing, type TemplateResult } from 'lit-html';
import { adminGrants, adminRewrap, adminRotation, type PendingWrap, type RotationStatus } from '../../api';
import { rpc } from '../../crypto-client';
import { formatDuration } from '../../format';
import { currentLanguage, t } from '../../i18n';
import { flash, update } from '../../store';
import { adminGate, adminNav, appendSigned } from './access';
import { adminError } from './member';
import { rotationProgress } from './model';
import { refreshAdminStaff } from './staff';

/** Wraps per GET/POST round: small enough that the bar moves and a stop loses little. */
export const ROTATION_BATCH = 50;
const MAX_GRANTS_PER_CALL = 500;

type Phase = 'unknown' | 'checking' | 'idle' | 'pending' | 'running' | 'stuck' | 'done' | 'failed';

interface Unrewrapped {
  ticketId: string;
  keyKind: string;
  teamKeyVersion: number;
}

interface RotationPage {
  phase: Phase;
  status: RotationStatus | null;
  holdsCurrent: boolean;
  toRetire: number[];
  version: number | null;
  startedAt: number;
  total: number;
  done: number;
  unrewrapped: Unrewrapped[];
  retired: number[];
  /** Set by the disable prompt: start as soon as the page knows no rotation is pending. */
  startRequested: boolean;
}

const fresh = (): RotationPage => ({
  phase: 'unknown',
  status: null,
  holdsCurrent: false,
  toRetire: [],
  version: null,
  startedAt: 0,
  total: 0,
  done: 0,
  unrewrapped: [],
  retired: [],
  startRequested: false,
});
let page: RotationPage = fresh();

export function resetAdminRotation(): void {
  page = fresh();
}

/** Entering the page asks the server again (another admin or tab may have moved on). */
export function enterAdminRotation(): void {
  if (page.phase !== 'running') page.phase = 'unknown';
}

export function requestRotation(): void {
  page.startRequested = true;
  if (page.phase !== 'running') page.phase = 'unknown';
}

/** Every kind of key the server counts as pending (tickets, notes, and any later kind). */
export function pendingTotal(s: Pick<RotationStatus, 'pending'>): number {
  return Object.values(s.pending as Record<string, number>).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
}

async function check(): Promise<void> {
  page.phase = 'checking';
  try {
    const [status, local] = await Promise.all([adminRotation(1), rpc('adminRotationState', {})]);
    page.status = status;
    page.holdsCurrent = local.holdsCurrent;
    page.toRetire = local.toRetire;
    const inProgress = local.toRetire.length > 0 || pendingTotal(status) > 0;
    page.phase = inProgress ? 'pending' : 'idle';
  } catch (err) {
    page.phase = 'failed';
    flash('error', adminError(err));
  }
  update();
  if (page.startRequested && page.phase === 'idle') {
    page.startRequested = false;
    void run(false);
  }
}

async function newVersion(): Promise<number> {
  let version = 0;
  await appendSigned(async () => {
    const begun = await rpc('adminRotationBegin', {});
    version = begun.version;
    return begun.entry;
  });
  return version;
}

async function run(resume: boolean): Promise<void> {
  flash('info', null);
  page.phase = 'running';
  page.unrewrapped = [];
  page.retired = [];
  page.done = 0;
  page.startedAt = Date.now();
  update();
  try {
    // A resume continues the current version when this admin holds it; if the run stopped between
    // appending team-key and storing the admin's own grant, that secret is gone: a fresh version
    // supersedes it and every older one retires at the end.
    const local = await rpc('adminRotationState', {});
    page.version = resume && local.holdsCurrent && local.currentVersion !== null ? local.currentVersion : await newVersion();
    const version = page.version;
    const without = (await adminRotation(1)).staffWithoutGrant;
    const { grants } = await rpc('adminRotationGrants', { version, members: without });
    for (let i = 0; i < grants.length; i += MAX_GRANTS_PER_CALL) await adminGrants(grants.slice(i, i + MAX_GRANTS_PER_CALL));

    let cursor: string | null = null;
    let first = true;
    for (;;) {
      const batchPage: RotationStatus = await adminRotation(ROTATION_BATCH, cursor);
      page.status = batchPage;
      if (first) {
        page.total = pendingTotal(batchPage);
        first = false;
      }
      if (batchPage.batch.length === 0) break;
      const moved = await rpc('adminRewrapBatch', { batch: batchPage.batch, version });
      if (moved.wraps.length > 0) await adminRewrap(moved.wraps);
      page.done += moved.wraps.length;
      page.unrewrapped.push(...notMoved(batchPage.batch, moved.wraps));
      update();
      cursor = batchPage.nextCursor;
      if (cursor === null) break;
    }
    const after = await adminRotation(1);
    page.status = after;
    if (pendingTotal(after) > 0) {
      page.phase = 'stuck';
      update();
      return;
    }
    const { toRetire } = await rpc('adminRotationState', {});
    for (const old of toRetire) {
      await appendSigned(async () => (await rpc('adminSignEntry', { type: 'team-key-retire', body: { version: old } })).entry);
      page.retired.push(old);
    }
    page.toRetire = [];
    page.phase = 'done';
    refreshAdminStaff();
    flash('info', t('admin.rotation.doneFlash', { version }));
  } catch (err) {
    page.phase = 'failed';
    flash('error', adminError(err));
  }
  update();
}

/** The pending wraps of a batch that did not come back re-sealed: what could not be opened. */
function notMoved(batch: readonly PendingWrap[], moved: readonly PendingWrap[]): Unrewrapped[] {
  const done = new Set(moved.map((w) => `${w.ticketId}:${w.keyKind}`));
  return batch.filter((w) => !done.has(`${w.ticketId}:${w.keyKind}`)).map((w) => ({ ticketId: w.ticketId, keyKind: w.keyKind, teamKeyVersion: w.teamKeyVersion }));
}

function progressPanel(): TemplateResult {
  const p = rotationProgress(page.done, page.total, Date.now() - page.startedAt);
  const lang = currentLanguage();
  return html`<section class="busy" aria-labelledby="rotation-progress-label" data-test="admin-rotation-progress">
    <p id="rotation-progress-label" role="status" aria-live="polite">
      ${page.phase === 'running' ? t('admin.rotation.running', { version: page.version ?? '' }) : t('admin.rotation.stopped')}
    </p>
    <progress max=${Math.max(p.total, 1)} .value=${p.total === 0 ? 1 : p.done} aria-labelledby="rotation-progress-label"></progress>
    <p class="small" data-test="admin-rotation-counts" data-done=${p.done} data-total=${p.total}>
      ${t('admin.rotation.counts', { done: p.done, total: p.total, percent: p.percent })}
      ${p.secondsLeft === null || page.phase !== 'running' ? nothing : t('admin.rotation.timeLeft', { time: formatDuration(p.secondsLeft, lang) })}
    </p>
  </section>`;
}

function unrewrappedPanel(): TemplateResult {
  const left = page.status ? pendingTotal(page.status) : page.unrewrapped.length;
  return html`<section class="alert alert-error stack" aria-labelledby="stuck-title" data-test="admin-rotation-stuck">
    <h2 id="stuck-title">${t('admin.rotation.stuckTitle', { n: left })}</h2>
    <p>${t('admin.rotation.stuckWhy')}</p>
    <ul class="small" data-test="admin-rotation-unrewrapped">
      ${page.unrewrapped.map(
        (w) =>
          html`<li>
            <span class="code">${w.ticketId}</span> · ${w.keyKind === 'note' ? t('admin.rotation.kindNote') : w.keyKind === 'ticket' ? t('admin.rotation.kindTicket') : w.keyKind} ·
            ${t('admin.rotation.reasonNoKey', { version: w.teamKeyVersion })}
          </li>`,
      )}
    </ul>
    <p>${t('admin.rotation.stuckNext')}</p>
    <button class="btn btn-secondary" type="button" data-test="admin-rotation-retry" @click=${() => void run(true)}>${t('admin.rotation.retry')}</button>
  </section>`;
}

function summary(s: RotationStatus): TemplateResult {
  return html`<dl class="meta" data-test="admin-rotation-summary">
    <dt>${t('admin.rotation.current')}</dt>
    <dd data-test="admin-rotation-current">${s.currentVersion === null ? '—' : `v${s.currentVersion}`}</dd>
    <dt>${t('admin.rotation.pendingLabel')}</dt>
    <dd data-test="admin-rotation-pending">${t('admin.rotation.pending', { tickets: s.pending.tickets, notes: s.pending.notes })}</dd>
    <dt>${t('admin.rotation.older')}</dt>
    <dd>
      ${
        s.previousVersions
          .filter((v) => !v.retired)
          .map((v) => `v${v.version}`)
          .join(', ') || t('admin.rotation.none')
      }
    </dd>
  </dl>`;
}

export function adminRotationView(): TemplateResult {
  return adminGate(t('admin.rotationTitle'), () => {
    if (page.phase === 'unknown') void check();
    const running = page.phase === 'running';
    return html`<h1>${t('admin.rotationTitle')}</h1>
      ${adminNav('rotation')}
      <p class="lead">${t('admin.rotation.intro')}</p>
      ${page.status ? summary(page.status) : nothing} ${running || page.phase === 'stuck' || page.phase === 'done' || page.done > 0 ? progressPanel() : nothing}
      ${page.phase === 'stuck' ? unrewrappedPanel() : nothing}
      ${page.phase === 'done' ? html`<p class="alert alert-info" data-test="admin-rotation-done">${t('admin.rotation.done', { version: page.version ?? '', n: page.done })}</p>` : nothing}
      ${
        page.phase === 'idle' || page.phase === 'done'
          ? html`<button class="btn btn-primary" type="button" data-test="admin-rotation-start" @click=${() => void run(false)}>${t('admin.rotation.start')}</button>`
          : nothing
      }
      ${
        page.phase === 'failed'
          ? html`<button class="btn btn-secondary" type="button" data-test="admin-rotation-recheck" @click=${() => void check()}>${t('common.retry')}</button>`
          : nothing
      }
      ${
        page.phase === 'pending'
          ? html`<p class="alert alert-info" data-test="admin-rotation-unfinished">${t('admin.rotation.unfinished')}</p>
              <button class="btn btn-primary" type="button" data-test="admin-rotation-continue" @click=${() => void run(true)}>${t('admin.rotation.continue')}</button>`
          : nothing
      }
      ${page.phase === 'checking' || page.phase === 'unknown' ? html`<p class="muted">${t('admin.loading')}</p>` : nothing}`;
  });
}
