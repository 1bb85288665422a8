// The frame around every view: header with the language switch and the always-visible
// "Leave quickly" button, the loud trust warning, progress, and messages.
import { html, nothing, type TemplateResult } from 'lit-html';
import { formatDuration, powEstimate } from '../format';
import { currentLanguage, isLang, LANGUAGES, setLanguage, t, tIn } from '../i18n';
import { webAssemblyUsable } from '../sodium/detect';
import { state, update, type BusyState } from '../store';

export interface LayoutActions {
  leave: () => void;
  lock: (() => void) | null;
  /** "Close my inbox": shown while a requester's inbox is open. */
  closeInbox: (() => void) | null;
}

function languageName(lang: string): string {
  return lang === 'vi' ? 'Tiếng Việt' : 'English';
}

async function onLanguage(ev: Event): Promise<void> {
  const value = (ev.target as HTMLSelectElement).value;
  if (!isLang(value)) return;
  await setLanguage(value);
  update();
}

/** Shown in BOTH languages on purpose: a person must understand it whatever language is set. */
export function trustWarning(): TemplateResult | typeof nothing {
  const s = state.trust.status;
  if (s !== 'mismatch' && s !== 'invalid') return nothing;
  return html`<section class="alert alert-danger" role="alert" data-test="trust-warning">
    ${LANGUAGES.map(
      (lang) =>
        html`<div lang=${lang} class="alert-lang">
          <h2>${s === 'mismatch' ? tIn(lang, 'trust.mismatchTitle') : tIn(lang, 'trust.invalidTitle')}</h2>
          <p>${s === 'mismatch' ? tIn(lang, 'trust.mismatchBody') : tIn(lang, 'trust.invalidBody')}</p>
          <p>${tIn(lang, 'trust.whatToDo')}</p>
        </div>`,
    )}
  </section>`;
}

/** Whether the slow steps run on the asm.js fallback here (the worker runs under the same flags). */
const SLOW_MODE = !webAssemblyUsable();

/**
 * The truth about a slow step: a proof of work has a percentage of its expected work and a time
 * left at the rate so far; key derivation reports nothing while it runs, so its percent and time
 * left come from the worker's measured estimate, and past it the text says so (never 100% early).
 * The elapsed time ticks in both (the store re-renders every second).
 */
function busyDetail(busy: BusyState): TemplateResult {
  const lang = currentLanguage();
  const elapsedMs = Date.now() - busy.startedAt;
  const elapsed = html`<p class="muted small" data-test="busy-elapsed">${t('progress.elapsed', { time: formatDuration(elapsedMs / 1000, lang) })}</p>`;
  const p = busy.progress;
  // Key derivation: the worker's estimate counted down, as "work done" like a proof of work.
  const kdf = p?.kind === 'kdf' && p.stage === 'start' && p.expectedMs > 0 ? p.expectedMs : 0;
  const est =
    p?.kind === 'pow' && busy.expectedAttempts !== null
      ? powEstimate(p.attempts, busy.expectedAttempts, elapsedMs)
      : kdf > 0
        ? { percent: Math.min(99, Math.floor((elapsedMs / kdf) * 100)), secondsLeft: (kdf - elapsedMs) / 1000, pastAverage: elapsedMs >= kdf }
        : null;
  if (est) {
    return html`<progress max="100" .value=${est.percent} aria-label=${busy.label}></progress>
      <p class="small" data-test=${kdf > 0 ? 'busy-kdf' : 'busy-pow'}>
        ${t('progress.powPercent', { percent: est.percent })}
        ${
          est.pastAverage
            ? t(kdf > 0 ? 'progress.kdfPastEstimate' : 'progress.powPastAverage')
            : est.secondsLeft === null
              ? nothing
              : t('progress.powTimeLeft', { time: formatDuration(est.secondsLeft, lang) })
        }
      </p>
      ${elapsed}`;
  }
  if (p?.kind === 'upload') {
    return html`<progress max=${p.total} .value=${p.sent} aria-label=${busy.label}></progress>
      <p class="muted small">${t('progress.upload', { sent: p.sent, total: p.total })}</p>`;
  }
  return html`<progress aria-label=${busy.label}></progress>${elapsed}`;
}

function busyPanel(): TemplateResult | typeof nothing {
  const busy = state.busy;
  if (!busy) return nothing;
  // Only the label is a live region: the ticking details sit outside it, so a screen reader
  // announces the step once instead of every second.
  return html`<div class="busy" data-test="busy">
    <p role="status" aria-live="polite">${busy.label}</p>
    ${busyDetail(busy)} ${SLOW_MODE ? html`<p class="small" data-test="busy-slow-mode">${t('progress.slowMode')}</p>` : nothing}
  </div>`;
}

function flashPanel(): TemplateResult | typeof nothing {
  const f = state.flash;
  if (!f) return nothing;
  // tabindex: main.ts moves focus here when a new error appears, so it is read and seen.
  return html`<p class=${f.kind === 'error' ? 'alert alert-error' : 'alert alert-info'} role=${f.kind === 'error' ? 'alert' : 'status'} tabindex="-1" data-test="flash">
    ${f.text}
  </p>`;
}

/** Moves focus to the page's main content (the skip link; a hash link would change the route). */
function skipToMain(ev: Event): void {
  ev.preventDefault();
  const main = document.getElementById('main');
  main?.focus();
}

export function layout(content: TemplateResult, actions: LayoutActions): TemplateResult {
  const lang = currentLanguage();
  return html`<a class="skip-link" href="#main" @click=${skipToMain} data-test="skip-link">${t('header.skip')}</a>
    <header class="topbar">
      <a class="brand" href="#/">${t('app.name')}</a>
      <div class="topbar-actions">
        <label class="visually-hidden" for="lang-select">${t('header.language')}</label>
        <select id="lang-select" data-test="lang-select" @change=${onLanguage}>
          ${LANGUAGES.map((l) => html`<option value=${l} ?selected=${l === lang}>${languageName(l)}</option>`)}
        </select>
        ${actions.lock ? html`<button type="button" class="btn btn-secondary" data-test="staff-lock" @click=${actions.lock}>${t('staff.lock')}</button>` : nothing}
        ${
          actions.closeInbox
            ? html`<button type="button" class="btn btn-secondary" data-test="close-inbox" @click=${actions.closeInbox} title=${t('header.closeInboxHint')}>
                ${t('header.closeInbox')}
              </button>`
            : nothing
        }
        <button type="button" class="btn btn-leave" data-test="leave-quickly" @click=${actions.leave} title=${t('header.leaveHint')}>${t('header.leave')}</button>
      </div>
    </header>
    <main id="main" class="container" tabindex="-1">${trustWarning()} ${flashPanel()} ${busyPanel()} ${content}</main>
    <footer class="footer muted">${t('footer.note')}</footer>`;
}
