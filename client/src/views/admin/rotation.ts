// Admin console, "Key rotation" (docs/API.md "Rotation", SPEC §7): one button drives the same
// steps as `cli rotate`, each chosen by the core's nextRotationStep from the server's state and the
// verified log alone: label key (older desks) → team-key v+1 → grants → re-wrap K, N and L in
// batches → team-key-retire. So a run stopped by a reload, a crash or a closed tab resumes from
// what the server says is left ("Continue rotation"). Keys that cannot be re-wrapped are listed
// with the reason and an explicit skip, instead of stopping forever.
import { html, nothing, type TemplateResult } from 'lit-html';
import { adminGrants, adminLabelKey, adminRewrap, adminRotation, adminSkipWraps, type RotationStatus } from '../../api';
import { rpc } from '../../crypto-client';
import { formatDuration } from '../../format';
import { currentLanguage, t } from '../../i18n';
import { flash, update } from '../../store';
import { adminError, adminGate, adminNav, appendSigned } from './access';
import type { FailedWrap } from '../../rpc';
import { rotationEta } from './model';
import { refreshAdminStaff } from './staff';

/** Wraps per GET/POST round: small enough that the bar moves and a stop loses little. */
export const ROTATION_BATCH = 50;
const MAX_GRANTS_PER_CALL = 500;

type Phase = 'unknown' | 'checking' | 'idle' | 'pending' | 'running' | 'stuck' | 'done' | 'failed';

interface RotationPage {
  phase: Phase;
  status: RotationStatus | null;
  version: number | null;
  startedAt: number;
  /** Keys re-wrapped by this run (for the time left). */
  doneThisRun: number;
  /** What this run could not re-wrap, with why: shown with the explicit skip. */
  failed: FailedWrap[];
  /** Set by the disable prompt: start as soon as the page knows no rotation is pending. */
  startRequested: boolean;
}

const fresh = (): RotationPage => ({
  phase: 'unknown',
  status: null,
  version: null,
  startedAt: 0,
  doneThisRun: 0,
  failed: [],
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

/** Every kind of key the server counts as pending (tickets, notes, the label key). */
export function pendingTotal(s: Pick<RotationStatus, 'pending'>): number {
  return Object.values(s.pending as Record<string, number>).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
}

async function check(): Promise<void> {
  page.phase = 'checking';
  try {
    const status = await adminRotation(1);
    page.status = status;
    const { step } = await rpc('adminRotationStep', { status, start: false });
    page.phase = step.kind === 'done' || step.kind === 'label_key' ? 'idle' : 'pending';
  } catch (err) {
    page.phase = 'failed';
    flash('error', adminError(err));
  }
  update();
  if (page.startRequested && page.phase === 'idle') {
    page.startRequested = false;
    void run(true);
  }
}

/**
 * Drives the rotation to its end. `start`: make a new team key (the button); a resume passes
 * false and only finishes what the server says is left. Wraps that fail are stepped over with the
 * cursor and collected; when only they are left, the admin decides (skip, or another admin).
 */
async function run(start: boolean): Promise<void> {
  flash('info', null);
  page.phase = 'running';
  page.failed = [];
  page.doneThisRun = 0;
  page.startedAt = Date.now();
  update();
  try {
    let wantNew = start;
    let cursor: string | null = null;
    for (;;) {
      const status: RotationStatus = await adminRotation(ROTATION_BATCH, cursor);
      page.status = status;
      const { step } = await rpc('adminRotationStep', { status, start: wantNew });
      if (step.kind === 'label_key') {
        // A desk set up before label keys: commit the key its labels use, so the rotation keeps them.
        const { body } = await rpc('adminPrepareLabelKey', {});
        if (body) {
          await adminLabelKey(body);
          await rpc('adminAdoptLabelKey', { body });
        }
        continue;
      }
      if (step.kind === 'new_team_key') {
        await appendSigned(async () => {
          const begun = await rpc('adminRotationBegin', {});
          page.version = begun.version;
          return begun.entry;
        });
        wantNew = false;
        cursor = null;
        continue;
      }
      wantNew = false;
      if (step.kind === 'grants') {
        page.version = step.version;
        const { grants } = await rpc('adminRotationGrants', { version: step.version, members: status.staffWithoutGrant });
        for (let i = 0; i < grants.length; i += MAX_GRANTS_PER_CALL) await adminGrants(grants.slice(i, i + MAX_GRANTS_PER_CALL));
        continue;
      }
      if (step.kind === 'rewrap') {
        page.version = step.version;
        const moved = await rpc('adminRewrapBatch', { batch: [...step.batch], version: step.version });
        if (moved.wraps.length > 0) await adminRewrap(moved.wraps);
        page.doneThisRun += moved.wraps.length;
        page.failed.push(...moved.failed);
        update();
        // Rewrapped keys drop out of the pending set; the cursor only has to step over failures.
        if (moved.failed.length > 0) {
          if (status.nextCursor === null) {
            await stuck();
            return;
          }
          cursor = status.nextCursor;
        }
        continue;
      }
      if (step.kind === 'retire') {
        if (pendingTotal(status) > 0) {
          await stuck();
          return;
        }
        for (const version of step.versions) {
          await appendSigned(async () => (await rpc('adminRetireEntry', { version })).entry);
        }
        continue;
      }
      break;
    }
    page.status = await adminRotation(1);
    page.phase = 'done';
    refreshAdminStaff();
    flash('info', t('admin.rotation.doneFlash', { version: page.version ?? page.status.currentVersion ?? '' }));
  } catch (err) {
    page.phase = 'failed';
    flash('error', adminError(err));
  }
  update();
}

async function stuck(): Promise<void> {
  page.status = await adminRotation(1);
  page.phase = 'stuck';
  update();
}

/** The explicit skip: report what cannot be re-wrapped, with why; then finish the rotation. */
async function skipAndFinish(): Promise<void> {
  const failed = page.failed;
  if (failed.length === 0) return;
  try {
    for (let i = 0; i < failed.length; i += ROTATION_BATCH) await adminSkipWraps(failed.slice(i, i + ROTATION_BATCH));
  } catch (err) {
    flash('error', adminError(err));
    return;
  }
  await run(false);
}

function progressPanel(s: RotationStatus): TemplateResult {
  const p = s.progress;
  const done = p.ticket.done + p.note.done + p.label.done;
  const total = p.ticket.total + p.note.total + p.label.total;
  const eta = rotationEta(done, total, page.doneThisRun, Date.now() - page.startedAt);
  const lang = currentLanguage();
  return html`<section class="busy" aria-labelledby="rotation-progress-label" data-test="admin-rotation-progress">
    <p id="rotation-progress-label" role="status" aria-live="polite">
      ${page.phase === 'running' ? t('admin.rotation.running', { version: page.version ?? s.currentVersion ?? '' }) : t('admin.rotation.stopped')}
    </p>
    <progress max=${Math.max(total, 1)} .value=${total === 0 ? 1 : done} aria-labelledby="rotation-progress-label"></progress>
    <p class="small" data-test="admin-rotation-counts" data-done=${done} data-total=${total}>
      ${t('admin.rotation.counts', { done, total, percent: eta.percent })}
      ${eta.secondsLeft === null || page.phase !== 'running' ? nothing : t('admin.rotation.timeLeft', { time: formatDuration(eta.secondsLeft, lang) })}
    </p>
  </section>`;
}

const kindLabel = (kind: string): string => (kind === 'note' ? t('admin.rotation.kindNote') : kind === 'label' ? t('admin.rotation.kindLabel') : t('admin.rotation.kindTicket'));
const reasonLabel = (reason: string): string => (reason === 'malformed' ? t('admin.rotation.reasonMalformed') : t('admin.rotation.reasonDoesNotOpen'));

function stuckPanel(): TemplateResult {
  const left = page.status ? pendingTotal(page.status) : page.failed.length;
  return html`<section class="alert alert-error stack" aria-labelledby="stuck-title" data-test="admin-rotation-stuck">
    <h2 id="stuck-title">${t('admin.rotation.stuckTitle', { n: left })}</h2>
    <p>${t('admin.rotation.stuckWhy')}</p>
    <ul class="small" data-test="admin-rotation-unrewrapped">
      ${page.failed.map(
        (w) =>
          html`<li data-test="admin-rotation-failed" data-reason=${w.reason}>
            ${w.ticketId ? html`<span class="code-inline">${w.ticketId}</span> · ` : nothing}${kindLabel(w.keyKind)} · v${w.teamKeyVersion} · ${reasonLabel(w.reason)}
          </li>`,
      )}
    </ul>
    <p>${t('admin.rotation.skipWhat')}</p>
    <p>
      ${
        page.failed.length > 0
          ? html`<button class="btn btn-danger" type="button" data-test="admin-rotation-skip" @click=${() => void skipAndFinish()}>
              ${t('admin.rotation.skip', { n: page.failed.length })}
            </button>`
          : nothing
      }
      <button class="btn btn-secondary" type="button" data-test="admin-rotation-retry" @click=${() => void run(false)}>${t('admin.rotation.retry')}</button>
    </p>
  </section>`;
}

function skippedPanel(s: RotationStatus): TemplateResult | typeof nothing {
  if (s.skipped.length === 0) return nothing;
  return html`<details class="small" data-test="admin-rotation-skipped">
    <summary>${t('admin.rotation.skippedTitle', { n: s.skipped.length })}</summary>
    <ul>
      ${s.skipped.map(
        (w) =>
          html`<li>${w.ticketId ? html`<span class="code-inline">${w.ticketId}</span> · ` : nothing}${kindLabel(w.keyKind)} · v${w.teamKeyVersion} · ${reasonLabel(w.reason)}</li>`,
      )}
    </ul>
  </details>`;
}

function summary(s: RotationStatus): TemplateResult {
  return html`<dl class="meta" data-test="admin-rotation-summary">
    <dt>${t('admin.rotation.current')}</dt>
    <dd data-test="admin-rotation-current">${s.currentVersion === null ? '—' : `v${s.currentVersion}`}</dd>
    <dt>${t('admin.rotation.pendingLabel')}</dt>
    <dd data-test="admin-rotation-pending">${t('admin.rotation.pending', { tickets: s.pending.tickets, notes: s.pending.notes, labels: s.pending.labels })}</dd>
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
      ${page.status ? summary(page.status) : nothing}
      ${page.status && (running || page.phase === 'stuck' || page.phase === 'pending' || page.phase === 'done') ? progressPanel(page.status) : nothing}
      ${page.phase === 'stuck' ? stuckPanel() : nothing} ${page.status ? skippedPanel(page.status) : nothing}
      ${page.phase === 'done' ? html`<p class="alert alert-info" data-test="admin-rotation-done">${t('admin.rotation.done', { version: page.version ?? '', n: page.doneThisRun })}</p>` : nothing}
      ${
        page.phase === 'idle' || page.phase === 'done'
          ? html`<button class="btn btn-primary" type="button" data-test="admin-rotation-start" @click=${() => void run(true)}>${t('admin.rotation.start')}</button>`
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
              <button class="btn btn-primary" type="button" data-test="admin-rotation-continue" @click=${() => void run(false)}>${t('admin.rotation.continue')}</button>`
          : nothing
      }
      ${page.phase === 'checking' || page.phase === 'unknown' ? html`<p class="muted">${t('admin.loading')}</p>` : nothing}`;
  });
}
