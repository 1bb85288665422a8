// Coming back: passphrase → keys → session → own tickets.
import { html, nothing, type TemplateResult } from 'lit-html';
import { ApiError } from '../api';
import { describeError } from '../errors';
import { t } from '../i18n';
import { navigate } from '../navigate';
import { looksLikePassphrase } from '../passphrase';
import { flash, setBusy, state } from '../store';
import { ensureTrusted } from '../trust';
import { signInWithPassphrase } from './requester-session';

let warnShape = false;

async function onSubmit(ev: Event): Promise<void> {
  ev.preventDefault();
  const form = ev.target as HTMLFormElement;
  const input = form.elements.namedItem('passphrase') as HTMLInputElement | null;
  const passphrase = input?.value ?? '';
  // SECURITY: clear the field at once so the passphrase does not linger in the DOM.
  if (input) input.value = '';
  warnShape = !looksLikePassphrase(passphrase);
  if (passphrase.trim() === '') return;
  flash('info', null);
  try {
    setBusy(t('trust.checking'));
    if (!(await ensureTrusted())) return;
    await signInWithPassphrase(passphrase);
    navigate({ name: 'tickets' });
  } catch (err) {
    // A passphrase that was never registered cannot get a session: say so in plain words.
    if (err instanceof ApiError && (err.status === 401 || err.status === 404)) flash('error', t('return.notRecognised'));
    else flash('error', describeError(err));
  } finally {
    setBusy(null);
  }
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
        data-test="return-passphrase"
      ></textarea>
      <p class="hint">${t('return.hint')}</p>
      ${warnShape ? html`<p class="hint">${t('return.shapeHint')}</p>` : nothing}
      <button class="btn btn-primary" type="submit" data-test="return-submit">${t('return.submit')}</button>
    </form>`;
}
