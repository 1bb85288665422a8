// Coming back: passphrase → keys → session → own tickets.
// Each word is checked against the list before any key derivation (which is slow where
// WebAssembly is missing), with a suggestion for a typo; what was typed stays in the field after
// a failure, so one wrong word means fixing one word, not typing eight again.
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { html, nothing, type TemplateResult } from 'lit-html';
import { ApiError } from '../api';
import { describeError } from '../errors';
import { t } from '../i18n';
import { navigate } from '../navigate';
import { checkPassphrase, PASSPHRASE_WORDS, type PassphraseCheck } from '../passphrase';
import { setBusy, state, update } from '../store';
import { ensureTrusted } from '../trust';
import { signInWithPassphrase } from './requester-session';

type Problem = { kind: 'words'; check: PassphraseCheck } | { kind: 'message'; text: string };

// SECURITY: a words problem holds what was typed; "Leave quickly" drops it with resetReturn().
let problem: Problem | null = null;

export function resetReturn(): void {
  problem = null;
}

function field(): HTMLTextAreaElement | null {
  return document.getElementById('passphrase') as HTMLTextAreaElement | null;
}

/** Shows a problem under the field and gives the field the focus, so it is seen and read. */
function show(p: Problem | null): void {
  problem = p;
  update();
  if (p) field()?.focus();
}

async function onSubmit(ev: Event): Promise<void> {
  ev.preventDefault();
  const input = field();
  const passphrase = input?.value ?? '';
  if (passphrase.trim() === '') return;
  const check = checkPassphrase(passphrase, wordlist);
  if (check.wrongCount || check.unknown.length > 0) {
    show({ kind: 'words', check });
    return;
  }
  show(null);
  try {
    setBusy(t('trust.checking'));
    if (!(await ensureTrusted())) return;
    await signInWithPassphrase(check.words.join(' '));
    // SECURITY: the passphrase leaves the DOM as soon as it has opened the inbox.
    if (input) input.value = '';
    navigate({ name: 'tickets' });
  } catch (err) {
    // A passphrase that was never registered cannot get a session: say so in plain words.
    if (err instanceof ApiError && (err.status === 401 || err.status === 404)) show({ kind: 'message', text: t('return.notRecognised') });
    else show({ kind: 'message', text: describeError(err) });
  } finally {
    setBusy(null);
  }
}

/** Puts a suggested word in place of the typed one. */
function useSuggestion(position: number, word: string): void {
  const input = field();
  if (!input || problem?.kind !== 'words') return;
  const words = [...problem.check.words];
  words[position] = word;
  input.value = words.join(' ');
  const check = checkPassphrase(input.value, wordlist);
  show(check.wrongCount || check.unknown.length > 0 ? { kind: 'words', check } : null);
}

function problemText(p: Problem): TemplateResult {
  if (p.kind === 'message') return html`<p>${p.text}</p>`;
  const { check } = p;
  return html`${check.wrongCount ? html`<p data-test="return-word-count">${t('return.wrongCount', { count: check.words.length, expected: PASSPHRASE_WORDS })}</p>` : nothing}
  ${
    check.unknown.length > 0
      ? html`<ul class="word-problems">
          ${check.unknown.map(
            (u) =>
              html`<li data-test="return-unknown-word">
                ${t('return.unknownWord', { n: u.position + 1, word: u.typed })}
                ${
                  u.suggestion
                    ? html`<button type="button" class="btn btn-link" data-test="return-suggestion" @click=${() => useSuggestion(u.position, u.suggestion ?? '')}>
                        ${t('return.didYouMean', { word: u.suggestion })}
                      </button>`
                    : nothing
                }
              </li>`,
          )}
        </ul>`
      : nothing
  }`;
}

export function returnView(): TemplateResult {
  if (state.requester) {
    return html`<h1>${t('return.title')}</h1>
      <p>${t('return.alreadySignedIn')}</p>
      <a class="btn btn-primary" href="#/tickets" data-test="return-to-list">${t('return.toList')}</a>`;
  }
  return html`<h1>${t('return.title')}</h1>
    <p class="lead">${t('return.intro')}</p>
    <form class="stack" @submit=${onSubmit} novalidate data-test="return-form">
      <label for="passphrase">${t('return.passphrase')}</label>
      <textarea
        id="passphrase"
        name="passphrase"
        rows="3"
        autocomplete="off"
        autocapitalize="none"
        spellcheck="false"
        aria-invalid=${problem ? 'true' : 'false'}
        aria-describedby=${problem ? 'passphrase-hint passphrase-error' : 'passphrase-hint'}
        data-test="return-passphrase"
      ></textarea>
      ${problem ? html`<div class="field-error" id="passphrase-error" role="alert" data-test="return-error">${problemText(problem)}</div>` : nothing}
      <p class="hint" id="passphrase-hint">${t('return.hint')}</p>
      <button class="btn btn-primary" type="submit" data-test="return-submit">${t('return.submit')}</button>
    </form>`;
}
