// Staff sign-in: prelogin → Argon2id in the worker (with progress) → login → open key blob and
// grants. An account with two-factor gets a second step here (a 6-digit code, or a recovery code);
// under the desk's two-factor policy a member without a factor goes to the two-factor screen.
import { html, nothing, type TemplateResult } from 'lit-html';
import { ApiError } from '../../api';
import { WorkerError } from '../../crypto-client';
import { describeError } from '../../errors';
import { t } from '../../i18n';
import { navigate } from '../../navigate';
import { flash, setBusy, state, update } from '../../store';
import { awaitingAdmission, cancelSignIn, lockStaff, clearAwaitingAdmission, signInAwaitingCode, staffSubmitSecondFactor, staffUnlock, type SignInStep } from './session';
import { focusHeading, secondFactorError } from './two-factor';

// The code step's own state: which kind of code, and the error under the field.
const codeStep = { recovery: false, error: null as string | null };

function afterSignIn(step: SignInStep): void {
  codeStep.error = null;
  if (step === 'unlocked') navigate({ name: 'staff-queue' });
  else if (step === 'enrol') navigate({ name: 'staff-two-factor' });
  else {
    codeStep.recovery = false;
    update();
    focusHeading();
  }
}

async function onSubmit(ev: Event): Promise<void> {
  ev.preventDefault();
  const form = ev.target as HTMLFormElement;
  const user = form.elements.namedItem('username') as HTMLInputElement | null;
  const pass = form.elements.namedItem('password') as HTMLInputElement | null;
  const username = user?.value.trim() ?? '';
  const password = pass?.value ?? '';
  // SECURITY: the password leaves the DOM at once; it lives on only inside the worker call.
  if (pass) pass.value = '';
  if (username === '' || password === '') return;
  flash('info', null);
  try {
    afterSignIn(await staffUnlock(username, password));
  } catch (err) {
    if (err instanceof WorkerError && err.code === 'awaiting_admission') {
      update();
      focusHeading();
    } else if (err instanceof ApiError && err.status === 401) flash('error', t('staff.loginFailed'));
    else if (state.trust.status !== 'ok') flash('error', t('trust.invalidTitle'));
    else flash('error', describeError(err));
  } finally {
    setBusy(null);
  }
}

async function onCodeSubmit(ev: Event): Promise<void> {
  ev.preventDefault();
  const input = (ev.target as HTMLFormElement).elements.namedItem('code') as HTMLInputElement | null;
  const value = (input?.value ?? '').replace(/\s+/g, '');
  if (value === '') {
    codeStep.error = t(codeStep.recovery ? 'twoFactor.recoveryMissing' : 'twoFactor.codeMissing');
    update();
    input?.focus();
    return;
  }
  flash('info', null);
  try {
    afterSignIn(await staffSubmitSecondFactor(codeStep.recovery ? { recoveryCode: value } : { totp: value }));
  } catch (err) {
    codeStep.error = secondFactorError(err);
    if (codeStep.error === null) flash('error', err instanceof ApiError && err.status === 401 ? t('staff.loginFailed') : describeError(err));
    if (input) input.value = '';
    update();
    if (!signInAwaitingCode()) focusHeading();
    else input?.focus();
  } finally {
    setBusy(null);
  }
}

function switchCodeKind(): void {
  codeStep.recovery = !codeStep.recovery;
  codeStep.error = null;
  update();
  document.querySelector<HTMLInputElement>('#code')?.focus();
}

function startOver(): void {
  cancelSignIn();
  codeStep.error = null;
  update();
  focusHeading();
}

function codeView(): TemplateResult {
  const recovery = codeStep.recovery;
  const hintId = 'code-hint';
  const describedBy = codeStep.error ? `${hintId} code-error` : hintId;
  return html`<h1>${t('twoFactor.codeTitle')}</h1>
    <form class="stack" @submit=${onCodeSubmit} novalidate data-test="staff-code-form">
      <label for="code">${t(recovery ? 'twoFactor.recoveryLabel' : 'twoFactor.codeLabel')}</label>
      <p class="hint" id=${hintId}>${t(recovery ? 'twoFactor.recoveryHint' : 'twoFactor.codeHint')}</p>
      <input
        id="code"
        name="code"
        type="text"
        class=${recovery ? 'recovery-input' : 'totp-input'}
        inputmode=${recovery ? 'text' : 'numeric'}
        autocomplete=${recovery ? 'off' : 'one-time-code'}
        autocapitalize=${recovery ? 'characters' : 'none'}
        spellcheck="false"
        maxlength=${recovery ? 19 : 6}
        aria-invalid=${codeStep.error ? 'true' : 'false'}
        aria-describedby=${describedBy}
        data-test="staff-code"
      />
      ${codeStep.error ? html`<p class="field-error" id="code-error" data-test="staff-code-error">${codeStep.error}</p>` : nothing}
      <button class="btn btn-primary" type="submit" data-test="staff-code-submit">${t('staff.signIn')}</button>
    </form>
    <p>
      <button class="btn-link" type="button" @click=${switchCodeKind} data-test="staff-code-switch">${t(recovery ? 'twoFactor.useAuthenticator' : 'twoFactor.useRecovery')}</button>
    </p>
    <p><button class="btn-link" type="button" @click=${startOver} data-test="staff-code-cancel">${t('twoFactor.startOver')}</button></p>`;
}

/**
 * An activated member the verified key log does not list yet: what happens next, in plain words.
 * SECURITY: not the red tampering warning: the keys opened under the member's own password, so
 * they are the ones they enrolled; only an admin's staff-add is missing.
 */
export function awaitingAdmissionView(username: string): TemplateResult {
  return html`<h1>${t('staff.awaitingTitle')}</h1>
    <p class="alert alert-info" data-test="staff-awaiting-admission" data-username=${username}>${t('staff.awaitingBody')}</p>
    <p>${t('staff.awaitingWhy')}</p>
    <button
      class="btn btn-secondary"
      type="button"
      data-test="staff-awaiting-check"
      @click=${() => {
        clearAwaitingAdmission();
        // From the queue (the desk said not_admitted) there is a session to end; on this page there is none.
        void (state.staff ? lockStaff().then(() => navigate({ name: 'staff-login' })) : Promise.resolve(update())).then(focusHeading);
      }}
    >
      ${t('staff.awaitingCheck')}
    </button>`;
}

export function staffLoginView(): TemplateResult {
  const waiting = awaitingAdmission();
  if (waiting !== null) return awaitingAdmissionView(waiting);
  if (signInAwaitingCode()) return codeView();
  return html`<h1>${t('staff.loginTitle')}</h1>
    <p class="lead">${t('staff.loginIntro')}</p>
    <form class="stack" @submit=${onSubmit} novalidate data-test="staff-login-form">
      <label for="username">${t('staff.username')}</label>
      <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" data-test="staff-username" />
      <label for="password">${t('staff.password')}</label>
      <input id="password" name="password" type="password" autocomplete="current-password" data-test="staff-password" />
      <button class="btn btn-primary" type="submit" data-test="staff-login-submit">${t('staff.signIn')}</button>
    </form>
    <p class="muted small">${t('staff.cliHint')}</p>`;
}
