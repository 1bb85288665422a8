// A new member's secret on the setup and activation pages (issue 12). By default the worker
// generates an 8-word passphrase (the requester's list and generator, 88 bits), shown like the
// requester's, and the account is enrolled with the light Argon2id parameters: a sign-in in Tor
// Browser's "Safer" mode takes seconds. "Choose my own password" swaps in the password fields,
// which keep OWASP's parameters, and says plainly that signing in is then much slower there.
// DECISIONS "Staff passphrases (issue 12)".
import { html, nothing, type TemplateResult } from 'lit-html';
import { rpc } from '../../crypto-client';
import { t } from '../../i18n';
import { splitPassphrase } from '../../passphrase';
import { update } from '../../store';
import { passphraseWords } from '../passphrase-words';
import { STAFF_PASSWORD_MIN_CHARS } from '../../rpc';

export interface SecretChoice {
  mode: 'generated' | 'chosen';
  /** SECURITY: page memory only, dropped once the account exists (forgetPassphrase). */
  passphrase: string | null;
  wroteItDown: boolean;
}

export const newSecretChoice = (): SecretChoice => ({ mode: 'generated', passphrase: null, wroteItDown: false });

/** What the worker's enrolment call takes: the secret and whether it is the generated passphrase. */
export type TakenSecret = { password: string; generated: boolean } | { problem: string };

/** Two password inputs with `data-test` hooks `<prefix>-password` and `<prefix>-password2`. */
export function newPasswordFields(prefix: 'setup' | 'activate'): TemplateResult {
  return html`<label for="${prefix}-password">${t('enrol.password')}</label>
    <input id="${prefix}-password" name="password" type="password" autocomplete="new-password" minlength=${STAFF_PASSWORD_MIN_CHARS} data-test="${prefix}-password" />
    <p class="hint">${t('enrol.passwordHint', { min: STAFF_PASSWORD_MIN_CHARS })}</p>
    <label for="${prefix}-password2">${t('enrol.passwordAgain')}</label>
    <input id="${prefix}-password2" name="password2" type="password" autocomplete="new-password" data-test="${prefix}-password2" />`;
}

/**
 * Reads both password fields and clears them at once (SECURITY: the password lives on only in
 * the worker call). Returns the password, or the sentence saying what is wrong with it.
 */
export function takeNewPassword(form: HTMLFormElement): { password: string } | { problem: string } {
  const inputs = ['password', 'password2'].map((name) => form.elements.namedItem(name) as HTMLInputElement | null);
  const [first, second] = inputs.map((input) => input?.value ?? '');
  for (const input of inputs) if (input) input.value = '';
  if ((first ?? '').length < STAFF_PASSWORD_MIN_CHARS) return { problem: t('enrol.passwordTooShort', { min: STAFF_PASSWORD_MIN_CHARS }) };
  if (first !== second) return { problem: t('enrol.passwordsDiffer') };
  return { password: first ?? '' };
}

let generating: SecretChoice | null = null;

async function generate(choice: SecretChoice): Promise<void> {
  if (generating === choice) return;
  generating = choice;
  try {
    choice.passphrase = (await rpc('generatePassphrase', {})).passphrase;
  } finally {
    generating = null;
  }
  update();
}

export function forgetPassphrase(choice: SecretChoice): void {
  choice.passphrase = null;
  choice.wroteItDown = false;
}

function switchTo(choice: SecretChoice, mode: SecretChoice['mode']): void {
  choice.mode = mode;
  update();
}

/** The fields inside the page's form: the words with print and "written down", or the password fields. */
export function secretFields(prefix: 'setup' | 'activate', choice: SecretChoice): TemplateResult {
  if (choice.mode === 'chosen') {
    return html`${newPasswordFields(prefix)}
      <p class="alert alert-info" data-test="secret-chosen-slow">${t('staffSecret.chosenSlow')}</p>
      <p class="muted small">${t('enrol.passwordWarning')}</p>
      <button class="btn btn-link" type="button" @click=${() => switchTo(choice, 'generated')} data-test="secret-use-generated">${t('staffSecret.useGenerated')}</button>`;
  }
  if (choice.passphrase === null) {
    void generate(choice);
    return html`<p class="muted">${t('staffSecret.making')}</p>`;
  }
  return html`<section class="card" data-test="secret-generated">
      <h2>${t('staffSecret.title')}</h2>
      ${passphraseWords(splitPassphrase(choice.passphrase), t('staffSecret.title'), 'staff-passphrase-words')}
      <p>${t('staffSecret.intro')}</p>
      <p class="alert alert-info">${t('staffSecret.warning')}</p>
      <p class="print-only">${t('staffSecret.printNote')}</p>
      <div class="actions">
        <button class="btn btn-secondary" type="button" @click=${() => window.print()} data-test="secret-print">${t('staffSecret.print')}</button>
      </div>
      <p class="hint">${t('staffSecret.printHint')}</p>
      <label class="check">
        <input
          type="checkbox"
          data-test="secret-written"
          .checked=${choice.wroteItDown}
          @change=${(ev: Event) => {
            choice.wroteItDown = (ev.target as HTMLInputElement).checked;
          }}
        />
        ${t('staffSecret.wroteItDown')}
      </label>
    </section>
    <button class="btn btn-link" type="button" @click=${() => switchTo(choice, 'chosen')} data-test="secret-choose-own">${t('staffSecret.chooseOwn')}</button>`;
}

/** Reads the secret from the form (and clears typed passwords at once), or says what is missing. */
export function takeSecret(form: HTMLFormElement, choice: SecretChoice): TakenSecret {
  if (choice.mode === 'chosen') {
    const pw = takeNewPassword(form);
    return 'problem' in pw ? pw : { password: pw.password, generated: false };
  }
  if (choice.passphrase === null) return { problem: t('staffSecret.making') };
  if (!choice.wroteItDown) return { problem: t('staffSecret.notWritten') };
  return { password: choice.passphrase, generated: true };
}

/** On the done page: how to sign in with what was chosen. */
export function signInHint(generated: boolean): TemplateResult | typeof nothing {
  return generated ? html`<p data-test="secret-sign-in-hint">${t('staffSecret.signInHint')}</p>` : nothing;
}
