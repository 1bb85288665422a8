// New request: form → passphrase shown once → confirm two words → derive, register, seal, send.
// Nothing is sent before the person has proved they wrote the passphrase down.
import { html, nothing, type TemplateResult } from 'lit-html';
import { ApiError, createTicket, registerRequester, requestPow, requesterChallenge, requesterSession, type PowSolution } from '../api';
import { rpc } from '../crypto-client';
import { describeError } from '../errors';
import { currentLanguage, isLang, LANGUAGES, t } from '../i18n';
import { checkConfirmation, pickConfirmPositions, secureRandomInt, splitPassphrase } from '../passphrase';
import { CATEGORIES, type Category, type NewTicketContent } from '../rpc';
import { flash, setBusy, setProgress, state, update } from '../store';
import { ensureTrusted } from '../trust';
import { categoryLabel } from './labels';

export const LIMITS = { subject: 200, body: 20_000, contact: 300 } as const;

type Step = 'form' | 'passphrase' | 'confirm' | 'sending' | 'done';

interface Draft {
  step: Step;
  content: NewTicketContent;
  passphrase: string | null;
  wroteItDown: boolean;
  positions: number[];
  answers: string[];
  confirmFailed: boolean;
  copied: boolean;
  ticketId: string | null;
}

function freshDraft(): Draft {
  return {
    step: 'form',
    content: { subject: '', body: '', category: 'other', lang: currentLanguage() },
    passphrase: null,
    wroteItDown: false,
    positions: [],
    answers: [],
    confirmFailed: false,
    copied: false,
    ticketId: null,
  };
}

let draft: Draft = freshDraft();

/** Drops the draft, including the passphrase (called by "Leave quickly" and on completion). */
export function resetNewRequest(): void {
  draft = freshDraft();
}

/** Coming back to #/new after a request was sent starts a fresh form. */
export function enterNewRequest(): void {
  if (draft.step === 'done') draft = freshDraft();
}

/** Field checks in plain language; returns a list of problems (empty when fine). */
export function validateContent(c: NewTicketContent): string[] {
  const problems: string[] = [];
  if (c.subject.trim() === '') problems.push(t('new.errSubjectMissing'));
  if (c.subject.length > LIMITS.subject) problems.push(t('new.errSubjectLong', { max: LIMITS.subject }));
  if (c.body.trim() === '') problems.push(t('new.errBodyMissing'));
  if (c.body.length > LIMITS.body) problems.push(t('new.errBodyLong', { max: LIMITS.body }));
  if ((c.contact ?? '').length > LIMITS.contact) problems.push(t('new.errContactLong', { max: LIMITS.contact }));
  return problems;
}

function readForm(form: HTMLFormElement): NewTicketContent {
  const data = new FormData(form);
  const str = (k: string): string => (typeof data.get(k) === 'string' ? (data.get(k) as string) : '');
  const category = str('category');
  const lang = str('lang');
  const contact = str('contact').trim();
  return {
    subject: str('subject').trim(),
    body: str('body'),
    category: (CATEGORIES as readonly string[]).includes(category) ? (category as Category) : 'other',
    lang: isLang(lang) ? lang : currentLanguage(),
    ...(contact === '' ? {} : { contact }),
  };
}

async function onFormSubmit(ev: Event): Promise<void> {
  ev.preventDefault();
  draft.content = readForm(ev.target as HTMLFormElement);
  const problems = validateContent(draft.content);
  if (problems.length > 0) {
    flash('error', problems.join(' '));
    return;
  }
  flash('info', null);
  // SECURITY: the key log is checked before the person invests in a passphrase, and again
  // right before sealing (ensureTrusted is cheap once verified).
  setBusy(t('trust.checking'));
  const trusted = await ensureTrusted();
  setBusy(null);
  if (!trusted) return;
  // Already signed in with a passphrase: the new request joins the same inbox, no new words.
  if (state.requester) {
    void sendSignedIn();
    return;
  }
  try {
    const { passphrase } = await rpc('generatePassphrase', {});
    draft.passphrase = passphrase;
    draft.step = 'passphrase';
    draft.wroteItDown = false;
    update();
  } catch (err) {
    flash('error', describeError(err));
  }
}

async function onCopy(): Promise<void> {
  if (!draft.passphrase) return;
  try {
    await navigator.clipboard.writeText(draft.passphrase);
    draft.copied = true;
  } catch {
    flash('error', t('new.copyFailed'));
  }
  update();
}

function toConfirm(): void {
  const words = splitPassphrase(draft.passphrase ?? '');
  draft.positions = pickConfirmPositions(words.length, 2, secureRandomInt);
  draft.answers = draft.positions.map(() => '');
  draft.confirmFailed = false;
  draft.step = 'confirm';
  update();
}

function onConfirmSubmit(ev: Event): void {
  ev.preventDefault();
  const data = new FormData(ev.target as HTMLFormElement);
  draft.answers = draft.positions.map((_, i) => String(data.get(`word${i}`) ?? ''));
  if (!checkConfirmation(splitPassphrase(draft.passphrase ?? ''), draft.positions, draft.answers)) {
    draft.confirmFailed = true;
    update();
    return;
  }
  draft.confirmFailed = false;
  void send();
}

async function solvedPow(purpose: 'register' | 'ticket'): Promise<PowSolution> {
  setBusy(t('progress.pow'));
  const challenge = await requestPow(purpose);
  const { nonce } = await rpc('solvePow', { challenge: challenge.challenge, difficulty: challenge.difficulty }, setProgress);
  return { challenge: challenge.challenge, nonce };
}

async function sealAndSend(): Promise<string> {
  const sealed = await rpc('createTicket', { content: draft.content });
  const pow = await solvedPow('ticket');
  setBusy(t('progress.sending'));
  await createTicket({ ...sealed, pow });
  return sealed.ticketId;
}

/** Seals with the stale-team-key retry: a rotation between our log check and the submit. */
async function sealAndSendWithRetry(): Promise<string> {
  try {
    return await sealAndSend();
  } catch (err) {
    // The team key was rotated between our log check and the submit: re-verify the log
    // (which picks up the new key) and seal again, once.
    if (!(err instanceof ApiError && err.code === 'stale_team_key')) throw err;
    if (!(await ensureTrusted(true))) throw err;
    return sealAndSend();
  }
}

async function sendSignedIn(): Promise<void> {
  draft.step = 'sending';
  update();
  try {
    draft.ticketId = await sealAndSendWithRetry();
    draft.step = 'done';
    if (state.requester) state.requester.tickets = null;
  } catch (err) {
    draft.step = 'form';
    flash('error', describeError(err));
  } finally {
    setBusy(null);
  }
}

async function send(): Promise<void> {
  const passphrase = draft.passphrase;
  if (!passphrase) return;
  draft.step = 'sending';
  flash('info', null);
  try {
    if (!(await ensureTrusted(true))) {
      draft.step = 'confirm';
      setBusy(null);
      return;
    }
    setBusy(t('progress.deriving'));
    const keys = await rpc('deriveRequesterKeys', { passphrase }, setProgress);
    const pow = await solvedPow('register');
    setBusy(t('progress.registering'));
    await registerRequester({ boxPk: keys.boxPk, signPk: keys.signPk, pow });
    const { challenge } = await requesterChallenge(keys.signPk);
    const { sig } = await rpc('signRequesterChallenge', { challenge });
    await requesterSession({ signPk: keys.signPk, challenge, sig });
    state.requester = { signPk: keys.signPk, tickets: null };
    const ticketId = await sealAndSendWithRetry();
    // SECURITY: the passphrase is dropped from page memory as soon as it is no longer needed.
    draft.passphrase = null;
    draft.ticketId = ticketId;
    draft.step = 'done';
    setBusy(null);
  } catch (err) {
    draft.step = 'confirm';
    setBusy(null);
    flash('error', describeError(err));
  }
}

function formStep(): TemplateResult {
  const c = draft.content;
  return html`<h1>${t('new.title')}</h1>
    <p class="lead">${t('new.intro')}</p>
    <form class="stack" @submit=${onFormSubmit} novalidate data-test="new-form">
      <label for="category">${t('new.category')}</label>
      <select id="category" name="category" data-test="new-category">
        ${CATEGORIES.map((cat) => html`<option value=${cat} ?selected=${cat === c.category}>${categoryLabel(cat)}</option>`)}
      </select>
      <label for="subject">${t('new.subject')}</label>
      <input id="subject" name="subject" type="text" maxlength=${LIMITS.subject} .value=${c.subject} autocomplete="off" data-test="new-subject" />
      <label for="body">${t('new.body')}</label>
      <p class="hint">${t('new.bodyHint')}</p>
      <textarea id="body" name="body" rows="8" maxlength=${LIMITS.body} .value=${c.body} data-test="new-body"></textarea>
      <label for="contact">${t('new.contact')}</label>
      <p class="hint">${t('new.contactHint')}</p>
      <input id="contact" name="contact" type="text" maxlength=${LIMITS.contact} .value=${c.contact ?? ''} autocomplete="off" data-test="new-contact" />
      <label for="lang">${t('new.lang')}</label>
      <select id="lang" name="lang" data-test="new-lang">
        ${LANGUAGES.map((l) => html`<option value=${l} ?selected=${l === c.lang}>${l === 'vi' ? 'Tiếng Việt' : 'English'}</option>`)}
      </select>
      <p class="hint">${t('new.encryptedNote')}</p>
      <button class="btn btn-primary" type="submit" data-test="new-continue">${t('new.continue')}</button>
    </form>`;
}

function passphraseStep(): TemplateResult {
  const words = splitPassphrase(draft.passphrase ?? '');
  return html`<h1>${t('passphrase.title')}</h1>
    <p class="lead">${t('passphrase.intro')}</p>
    <ol class="words" data-test="passphrase-words">
      ${words.map((w) => html`<li>${w}</li>`)}
    </ol>
    <p class="alert alert-info">${t('passphrase.warning')}</p>
    <div class="actions">
      <button class="btn btn-secondary" type="button" @click=${onCopy} data-test="passphrase-copy">
        ${draft.copied ? t('passphrase.copied') : t('passphrase.copy')}
      </button>
    </div>
    ${draft.copied ? html`<p class="hint">${t('passphrase.clipboardHint')}</p>` : nothing}
    <label class="check">
      <input
        type="checkbox"
        data-test="passphrase-written"
        .checked=${draft.wroteItDown}
        @change=${(ev: Event) => {
          draft.wroteItDown = (ev.target as HTMLInputElement).checked;
          update();
        }}
      />
      ${t('passphrase.wroteItDown')}
    </label>
    <button class="btn btn-primary" type="button" ?disabled=${!draft.wroteItDown} @click=${toConfirm} data-test="passphrase-next">
      ${t('passphrase.next')}
    </button>`;
}

function confirmStep(): TemplateResult {
  return html`<h1>${t('confirm.title')}</h1>
    <p class="lead">${t('confirm.intro')}</p>
    <form class="stack" @submit=${onConfirmSubmit} novalidate data-test="confirm-form">
      ${draft.positions.map(
        (pos, i) => html`<label for=${`word${i}`}>${t('confirm.wordN', { n: pos + 1 })}</label>
          <input
            id=${`word${i}`}
            name=${`word${i}`}
            type="text"
            autocomplete="off"
            autocapitalize="none"
            spellcheck="false"
            .value=${draft.answers[i] ?? ''}
            data-test=${`confirm-word-${i}`}
          />`,
      )}
      ${draft.confirmFailed ? html`<p class="alert alert-error" role="alert" data-test="confirm-error">${t('confirm.mismatch')}</p>` : nothing}
      <div class="actions">
        <button class="btn btn-primary" type="submit" data-test="confirm-send">${t('confirm.send')}</button>
        <button
          class="btn btn-secondary"
          type="button"
          data-test="confirm-back"
          @click=${() => {
            draft.step = 'passphrase';
            update();
          }}
        >
          ${t('confirm.showAgain')}
        </button>
      </div>
    </form>`;
}

function doneStep(): TemplateResult {
  return html`<h1>${t('done.title')}</h1>
    <p class="lead" data-test="new-done">${t('done.body')}</p>
    <p>${t('done.comeBack')}</p>
    <div class="actions">
      ${draft.ticketId
        ? html`<a class="btn btn-primary" href=${`#/tickets/${draft.ticketId}`} data-test="done-open">${t('done.open')}</a>`
        : nothing}
      <a class="btn btn-secondary" href="#/tickets">${t('done.list')}</a>
    </div>`;
}

export function newRequestView(): TemplateResult {
  switch (draft.step) {
    case 'form':
      return formStep();
    case 'passphrase':
      return passphraseStep();
    case 'confirm':
      return confirmStep();
    case 'sending':
      return html`<h1>${t('sending.title')}</h1><p>${t('sending.body')}</p>`;
    case 'done':
      return doneStep();
  }
}
