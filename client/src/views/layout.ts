// The frame around every view: header with the language switch and the always-visible
// "Leave quickly" button, the loud trust warning, progress, and messages.
import { html, nothing, type TemplateResult } from 'lit-html';
import { currentLanguage, isLang, LANGUAGES, setLanguage, t, tIn } from '../i18n';
import { state, update, type BusyState } from '../store';

export interface LayoutActions {
  leave: () => void;
  lock: (() => void) | null;
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
      (lang) => html`<div lang=${lang} class="alert-lang">
        <h2>${s === 'mismatch' ? tIn(lang, 'trust.mismatchTitle') : tIn(lang, 'trust.invalidTitle')}</h2>
        <p>${s === 'mismatch' ? tIn(lang, 'trust.mismatchBody') : tIn(lang, 'trust.invalidBody')}</p>
        <p>${tIn(lang, 'trust.whatToDo')}</p>
      </div>`,
    )}
  </section>`;
}

function progressText(busy: BusyState): string {
  const p = busy.progress;
  if (p?.kind === 'pow') return t('progress.powAttempts', { attempts: p.attempts.toLocaleString() });
  if (p?.kind === 'upload') return t('progress.upload', { sent: p.sent, total: p.total });
  return '';
}

function busyPanel(): TemplateResult | typeof nothing {
  const busy = state.busy;
  if (!busy) return nothing;
  return html`<div class="busy" role="status" aria-live="polite" data-test="busy">
    <progress></progress>
    <p>${busy.label}</p>
    <p class="muted">${progressText(busy)}</p>
  </div>`;
}

function flashPanel(): TemplateResult | typeof nothing {
  const f = state.flash;
  if (!f) return nothing;
  return html`<p class=${f.kind === 'error' ? 'alert alert-error' : 'alert alert-info'} role=${f.kind === 'error' ? 'alert' : 'status'} data-test="flash">
    ${f.text}
  </p>`;
}

export function layout(content: TemplateResult, actions: LayoutActions): TemplateResult {
  const lang = currentLanguage();
  return html`<header class="topbar">
      <a class="brand" href="#/">${t('app.name')}</a>
      <div class="topbar-actions">
        <label class="visually-hidden" for="lang-select">${t('header.language')}</label>
        <select id="lang-select" data-test="lang-select" @change=${onLanguage}>
          ${LANGUAGES.map((l) => html`<option value=${l} ?selected=${l === lang}>${languageName(l)}</option>`)}
        </select>
        ${actions.lock
          ? html`<button type="button" class="btn btn-secondary" data-test="staff-lock" @click=${actions.lock}>${t('staff.lock')}</button>`
          : nothing}
        <button type="button" class="btn btn-leave" data-test="leave-quickly" @click=${actions.leave} title=${t('header.leaveHint')}>
          ${t('header.leave')}
        </button>
      </div>
    </header>
    <main id="main" class="container">${trustWarning()} ${flashPanel()} ${busyPanel()} ${content}</main>
    <footer class="footer muted">${t('footer.note')}</footer>`;
}
