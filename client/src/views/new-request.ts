// New request: form → passphrase shown once → confirm two words → derive, register, seal, send.
// Nothing is sent before the person has proved they wrote the passphrase down.
// Nothing is lost on the way either: each step has its own history entry (Back returns to the
// previous step), leaving the page while a draft or an unsent passphrase exists asks first
// (main.ts, beforeunload), and the draft lives in this module's memory only.
import { html, nothing, type TemplateResult } from 'lit-html';
import { ApiError, createTicket, registerRequester, requestPow, requesterChallenge, requesterSession, type PowSolution } from '../api';
import { rpc } from '../crypto-client';
import { describeError } from '../errors';
import { currentLanguage, isLang, LANGUAGES, t } from '../i18n';
import { checkConfirmation, pickConfirmPositions, secureRandomInt, splitPassphrase } from '../passphrase';
import { CATEGORIES, type Category, type NewTicketContent } from '../rpc';
import { flash, setBusy, setProgress, state, update } from '../store';
import { pushEntry, replaceEntry } from '../navigate';
import { ensureTrusted } from '../trust';
import { attachPicker, attachmentsProblem, hasAttachmentWork, uploadPicked, uploadStatus } from './attachments';
import { categoryLabel } from './labels';
import { passphraseWords } from './passphrase-words';

export const LIMITS = { subject: 200, body: 20_000, contact: 300 } as const;

type Step = 'form' | 'passphrase' | 'confirm' | 'sending' | 'done';
type Field = 'subject' | 'body' | 'contact';
type FieldErrors = Partial<Record<Field, string>>;

interface Draft {
  step: Step;
  content: NewTicketContent;
  /** False until the person picks a reply language: until then it follows the interface language. */
  langChosen: boolean;
  errors: FieldErrors;
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
    langChosen: false,
    errors: {},
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

// The step is kept in the history entry's state (same URL: nothing about it reaches the
// network or the history list's addresses), so Back and Forward move between steps.
const HISTORY_KEY = 'sealdeskNewRequestStep';

function historyStep(value: unknown): Step | null {
  const step = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[HISTORY_KEY] : undefined;
  return step === 'form' || step === 'passphrase' || step === 'confirm' ? step : null;
}

/** Moves forward to a step and gives it its own history entry. */
function pushStep(step: 'passphrase' | 'confirm'): void {
  draft.step = step;
  pushEntry({ [HISTORY_KEY]: step });
  update();
}

/** A fresh request that starts from text already written (a reply to a closed request). */
export function startNewRequestWith(body: string): void {
  draft = freshDraft();
  draft.content = { ...draft.content, body };
}

/** Coming back to #/new after a request was sent starts a fresh form. */
export function enterNewRequest(): void {
  if (draft.step === 'done') draft = freshDraft();
  replaceEntry({ [HISTORY_KEY]: draft.step === 'sending' ? 'confirm' : draft.step });
}

/**
 * Back/Forward inside #/new (main.ts calls this on popstate). A step is only entered when what
 * it needs still exists; a request being sent or already sent stays where it is.
 */
export function restoreNewRequestStep(historyState: unknown): void {
  if (draft.step === 'sending' || draft.step === 'done') return;
  const wanted = historyStep(historyState) ?? 'form';
  if (wanted === 'form' || draft.passphrase === null) draft.step = 'form';
  else if (wanted === 'passphrase') draft.step = 'passphrase';
  else {
    if (draft.positions.length === 0) choosePositions();
    draft.step = 'confirm';
  }
  update();
}

/** The step shown now (main.ts names the page after it). */
export function newRequestStep(): Step {
  return draft.step;
}

/**
 * True while leaving would lose something: a draft with text in it, a passphrase not yet used,
 * or a request being sent. main.ts asks before the page unloads then.
 */
export function hasUnsavedRequest(): boolean {
  // Files picked and not sent yet, or still uploading (after the request itself was sent).
  if (hasAttachmentWork()) return true;
  if (draft.step === 'done') return false;
  if (draft.passphrase !== null || draft.step === 'sending') return true;
  const c = draft.content;
  return c.subject.trim() !== '' || c.body.trim() !== '' || (c.contact ?? '').trim() !== '';
}

/** Keeps what is typed in the form as it is typed, so a re-render or Back never drops it. */
function keepTyping(ev: Event): void {
  const form = (ev.target as HTMLElement).closest('form');
  if (!form) return;
  const lang = draft.content.lang;
  draft.content = { ...readForm(form), lang };
}

/** Field checks in plain language, per field (empty when fine). */
export function validateContent(c: NewTicketContent): FieldErrors {
  const errors: FieldErrors = {};
  if (c.subject.trim() === '') errors.subject = t('new.errSubjectMissing');
  else if (c.subject.length > LIMITS.subject) errors.subject = t('new.errSubjectLong', { max: LIMITS.subject });
  if (c.body.trim() === '') errors.body = t('new.errBodyMissing');
  else if (c.body.length > LIMITS.body) errors.body = t('new.errBodyLong', { max: LIMITS.body });
  if ((c.contact ?? '').length > LIMITS.contact) errors.contact = t('new.errContactLong', { max: LIMITS.contact });
  return errors;
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
  const lang = draft.langChosen ? draft.content.lang : currentLanguage();
  draft.content = { ...readForm(ev.target as HTMLFormElement), lang };
  draft.errors = validateContent(draft.content);
  const first = (['subject', 'body', 'contact'] as const).find((f) => draft.errors[f] !== undefined);
  if (first === undefined && attachmentsProblem('new') !== null) {
    update();
    document.getElementById('attach-input-new')?.focus();
    return;
  }
  if (first !== undefined) {
    flash('info', null);
    // The error is under its field; focus goes there so it is seen and read out.
    document.getElementById(first)?.focus();
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
    // Back from the passphrase step and Continue again shows the same words, not new ones.
    if (draft.passphrase === null) {
      const { passphrase } = await rpc('generatePassphrase', {});
      draft.passphrase = passphrase;
      draft.wroteItDown = false;
    }
    pushStep('passphrase');
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

function choosePositions(): void {
  const words = splitPassphrase(draft.passphrase ?? '');
  draft.positions = pickConfirmPositions(words.length, 2, secureRandomInt);
  draft.answers = draft.positions.map(() => '');
  draft.confirmFailed = false;
}

function toConfirm(): void {
  choosePositions();
  pushStep('confirm');
}

function onConfirmSubmit(ev: Event): void {
  ev.preventDefault();
  const data = new FormData(ev.target as HTMLFormElement);
  draft.answers = draft.positions.map((_, i) => String(data.get(`word${i}`) ?? ''));
  if (!checkConfirmation(splitPassphrase(draft.passphrase ?? ''), draft.positions, draft.answers)) {
    draft.confirmFailed = true;
    update();
    document.getElementById('word0')?.focus();
    return;
  }
  draft.confirmFailed = false;
  void send();
}

async function solvedPow(purpose: 'register' | 'ticket'): Promise<PowSolution> {
  setBusy(t('progress.pow'));
  const challenge = await requestPow(purpose);
  // Each attempt succeeds with probability 2^-difficulty: the expected count drives the percent.
  setBusy(t('progress.pow'), 2 ** challenge.difficulty);
  const { nonce } = await rpc('solvePow', { challenge: challenge.challenge, difficulty: challenge.difficulty }, setProgress);
  return { challenge: challenge.challenge, nonce };
}

/**
 * `firstRequest`: the registration's proof of work pays for it (one PoW per first request,
 * docs/API.md); a later request pays its own.
 */
async function sealAndSend(firstRequest: boolean): Promise<string> {
  const sealed = await rpc('createTicket', { content: draft.content });
  const pow = firstRequest ? undefined : await solvedPow('ticket');
  setBusy(t('progress.sending'));
  await createTicket(pow ? { ...sealed, pow } : sealed);
  state.sentHere.set(sealed.messageId, Date.now());
  return sealed.ticketId;
}

/** Seals with the stale-team-key retry: a rotation between our log check and the submit. */
async function sealAndSendWithRetry(firstRequest: boolean): Promise<string> {
  try {
    return await sealAndSend(firstRequest);
  } catch (err) {
    // The team key was rotated between our log check and the submit: re-verify the log
    // (which picks up the new key) and seal again, once.
    if (!(err instanceof ApiError && err.code === 'stale_team_key')) throw err;
    if (!(await ensureTrusted(true))) throw err;
    return sealAndSend(firstRequest);
  }
}

async function sendSignedIn(): Promise<void> {
  draft.step = 'sending';
  update();
  try {
    draft.ticketId = await sealAndSendWithRetry(false);
    draft.step = 'done';
    replaceEntry({ [HISTORY_KEY]: 'done' });
    void uploadPicked('new', draft.ticketId);
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
    const ticketId = await sealAndSendWithRetry(true);
    // SECURITY: the passphrase is dropped from page memory as soon as it is no longer needed.
    draft.passphrase = null;
    draft.ticketId = ticketId;
    draft.step = 'done';
    replaceEntry({ [HISTORY_KEY]: 'done' });
    setBusy(null);
    void uploadPicked('new', ticketId);
  } catch (err) {
    draft.step = 'confirm';
    setBusy(null);
    flash('error', describeError(err));
  }
}

/** aria-describedby for a field: its hint and, when there is one, its error. */
function describedBy(field: Field, hint: boolean): string {
  return [hint ? `${field}-hint` : '', draft.errors[field] ? `${field}-error` : ''].filter((id) => id !== '').join(' ');
}

function fieldError(field: Field): TemplateResult | typeof nothing {
  const text = draft.errors[field];
  return text ? html`<p class="field-error" id=${`${field}-error`} data-test=${`new-${field}-error`}>${text}</p>` : nothing;
}

function formStep(): TemplateResult {
  const c = draft.content;
  // The reply language follows the interface language until the person picks one.
  const lang = draft.langChosen ? c.lang : currentLanguage();
  return html`<h1>${t('new.title')}</h1>
    <p class="lead">${t('new.intro')}</p>
    <form class="stack" @submit=${onFormSubmit} @input=${keepTyping} novalidate data-test="new-form">
      <label for="category">${t('new.category')}</label>
      <select id="category" name="category" data-test="new-category">
        ${CATEGORIES.map((cat) => html`<option value=${cat} ?selected=${cat === c.category}>${categoryLabel(cat)}</option>`)}
      </select>
      <label for="subject">${t('new.subject')}</label>
      <input
        id="subject"
        name="subject"
        type="text"
        maxlength=${LIMITS.subject}
        .value=${c.subject}
        autocomplete="off"
        aria-invalid=${draft.errors.subject ? 'true' : 'false'}
        aria-describedby=${describedBy('subject', false) || nothing}
        data-test="new-subject"
      />
      ${fieldError('subject')}
      <label for="body">${t('new.body')}</label>
      <p class="hint" id="body-hint">${t('new.bodyHint')}</p>
      <textarea
        id="body"
        name="body"
        rows="8"
        maxlength=${LIMITS.body}
        .value=${c.body}
        aria-invalid=${draft.errors.body ? 'true' : 'false'}
        aria-describedby=${describedBy('body', true)}
        data-test="new-body"
      ></textarea>
      ${fieldError('body')}
      <label for="contact">${t('new.contact')}</label>
      <p class="hint" id="contact-hint">${t('new.contactHint')}</p>
      <input
        id="contact"
        name="contact"
        type="text"
        maxlength=${LIMITS.contact}
        .value=${c.contact ?? ''}
        autocomplete="off"
        aria-invalid=${draft.errors.contact ? 'true' : 'false'}
        aria-describedby=${describedBy('contact', true)}
        data-test="new-contact"
      />
      ${fieldError('contact')}
      <label for="lang">${t('new.lang')}</label>
      <select
        id="lang"
        name="lang"
        data-test="new-lang"
        @change=${(ev: Event) => {
          const value = (ev.target as HTMLSelectElement).value;
          if (!isLang(value)) return;
          draft.langChosen = true;
          draft.content = { ...draft.content, lang: value };
        }}
      >
        ${LANGUAGES.map((l) => html`<option value=${l} ?selected=${l === lang}>${l === 'vi' ? 'Tiếng Việt' : 'English'}</option>`)}
      </select>
      ${attachPicker('new')}
      <p class="hint">${t('new.encryptedNote')}</p>
      <button class="btn btn-primary" type="submit" data-test="new-continue">${t('new.continue')}</button>
    </form>`;
}

function passphraseStep(): TemplateResult {
  const words = splitPassphrase(draft.passphrase ?? '');
  // The words come right after the heading so that all 8 are on the first screen of a phone.
  return html`<h1>${t('passphrase.title')}</h1>
    ${passphraseWords(words, t('passphrase.title'))}
    <p class="lead">${t('passphrase.intro')}</p>
    <p class="alert alert-info">${t('passphrase.warning')}</p>
    <p class="print-only">${t('passphrase.printNote')}</p>
    <div class="actions">
      <button class="btn btn-secondary" type="button" @click=${() => window.print()} data-test="passphrase-print">${t('passphrase.print')}</button>
      <button class="btn btn-secondary" type="button" @click=${onCopy} data-test="passphrase-copy">${draft.copied ? t('passphrase.copied') : t('passphrase.copy')}</button>
    </div>
    <p class="hint">${t('passphrase.printHint')}</p>
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
    <button class="btn btn-primary" type="button" ?disabled=${!draft.wroteItDown} @click=${toConfirm} data-test="passphrase-next">${t('passphrase.next')}</button>`;
}

function confirmStep(): TemplateResult {
  return html`<h1>${t('confirm.title')}</h1>
    <p class="lead">${t('confirm.intro')}</p>
    <form class="stack" @submit=${onConfirmSubmit} novalidate data-test="confirm-form">
      ${draft.positions.map(
        (pos, i) =>
          html`<label for=${`word${i}`}>${t('confirm.wordN', { n: pos + 1 })}</label>
            <input
              id=${`word${i}`}
              name=${`word${i}`}
              type="text"
              autocomplete="off"
              autocapitalize="none"
              spellcheck="false"
              .value=${draft.answers[i] ?? ''}
              aria-invalid=${draft.confirmFailed ? 'true' : 'false'}
              aria-describedby=${draft.confirmFailed ? 'confirm-error' : nothing}
              data-test=${`confirm-word-${i}`}
            />`,
      )}
      ${draft.confirmFailed ? html`<p class="field-error" id="confirm-error" role="alert" data-test="confirm-error">${t('confirm.mismatch')}</p>` : nothing}
      <div class="actions">
        <button class="btn btn-primary" type="submit" data-test="confirm-send">${t('confirm.send')}</button>
        <button
          class="btn btn-secondary"
          type="button"
          data-test="confirm-back"
          @click=${() => {
            draft.step = 'passphrase';
            replaceEntry({ [HISTORY_KEY]: 'passphrase' });
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
    ${uploadStatus(draft.ticketId)}
    <div class="actions">
      ${draft.ticketId ? html`<a class="btn btn-primary" href=${`#/tickets/${draft.ticketId}`} data-test="done-open">${t('done.open')}</a>` : nothing}
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
      return html`<h1>${t('sending.title')}</h1>
        <p>${t('sending.body')}</p>`;
    case 'done':
      return doneStep();
  }
}
