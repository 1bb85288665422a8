// "Two-factor sign-in" for the signed-in member (docs/API.md "Two-factor sign-in"): status,
// enrolment (QR code + secret → confirm with a code → the recovery codes, shown once), disable.
// Under the desk's two-factor policy a member without a factor lands here right after sign-in,
// with a session that opens only these routes.
import { html, nothing, svg, type TemplateResult } from 'lit-html';
import { encode } from 'uqr';
import { ApiError, staffBeginTotp, staffConfirmTotp, staffDisableTwoFactor, staffTwoFactorStatus, type TotpEnrolment, type TwoFactorStatus } from '../../api';
import { describeError } from '../../errors';
import { t } from '../../i18n';
import { navigate } from '../../navigate';
import { flash, setBusy, state, update } from '../../store';
import { enrolmentOnlySession, lockStaff, openConsole } from './session';

interface TwoFactorPage {
  status: TwoFactorStatus | null;
  loading: boolean;
  failed: boolean;
  /** A begun enrolment: the secret, in page memory only until it is confirmed or abandoned. */
  enrolment: TotpEnrolment | null;
  /** Shown once, right after confirmation. */
  recoveryCodes: string[] | null;
  disableWithRecovery: boolean;
  error: string | null;
}

const fresh = (): TwoFactorPage => ({ status: null, loading: false, failed: false, enrolment: null, recoveryCodes: null, disableWithRecovery: false, error: null });
let page: TwoFactorPage = fresh();

export function resetTwoFactor(): void {
  page = fresh();
}

/** Moves focus to the heading of a step drawn on the same address (a new address does it itself). */
export function focusHeading(): void {
  const heading = document.querySelector<HTMLElement>('main h1');
  if (!heading) return;
  heading.tabIndex = -1;
  heading.focus({ preventScroll: true });
}

/** The plain-words message for a refused code, or null when the refusal is about something else. */
export function secondFactorError(err: unknown): string | null {
  if (!(err instanceof ApiError)) return null;
  if (err.code === 'two_factor_invalid' || err.code === 'validation_failed') return t('twoFactor.codeWrong');
  if (err.code === 'sign_in_throttled') return t('twoFactor.throttled');
  return null;
}

const signedIn = (): string | null => state.staff?.username ?? enrolmentOnlySession()?.username ?? null;

async function loadStatus(): Promise<void> {
  page.loading = true;
  try {
    page.status = await staffTwoFactorStatus();
    page.failed = false;
  } catch (err) {
    page.failed = true;
    flash('error', describeError(err));
  } finally {
    page.loading = false;
    update();
  }
}

async function begin(): Promise<void> {
  flash('info', null);
  setBusy(t('twoFactor.beginning'));
  try {
    page.enrolment = await staffBeginTotp();
    page.error = null;
  } catch (err) {
    flash('error', describeError(err));
  } finally {
    setBusy(null);
  }
  focusHeading();
}

function codeFrom(ev: Event): { input: HTMLInputElement | null; value: string } {
  const input = (ev.target as HTMLFormElement).elements.namedItem('code') as HTMLInputElement | null;
  return { input, value: (input?.value ?? '').replace(/\s+/g, '') };
}

function refuse(input: HTMLInputElement | null, message: string): void {
  page.error = message;
  if (input) input.value = '';
  update();
  input?.focus();
}

async function confirm(ev: Event): Promise<void> {
  ev.preventDefault();
  const { input, value } = codeFrom(ev);
  if (!/^[0-9]{6}$/.test(value)) return refuse(input, t('twoFactor.codeMissing'));
  flash('info', null);
  setBusy(t('twoFactor.confirming'));
  try {
    const enrolOnly = enrolmentOnlySession();
    page.recoveryCodes = await staffConfirmTotp(value);
    page.enrolment = null;
    page.error = null;
    page.status = null;
    // The desk swapped the enrolment-only session for a full one: open the console now.
    if (enrolOnly) await openConsole(enrolOnly.staffId, enrolOnly.username);
    setBusy(null);
    focusHeading();
  } catch (err) {
    setBusy(null);
    const message = secondFactorError(err);
    if (message) refuse(input, message);
    else flash('error', describeError(err));
  }
}

function savedCodes(ev: Event): void {
  ev.preventDefault();
  const box = (ev.target as HTMLFormElement).elements.namedItem('saved') as HTMLInputElement | null;
  if (!box?.checked) {
    page.error = t('twoFactor.savedMissing');
    update();
    box?.focus();
    return;
  }
  page.recoveryCodes = null;
  page.error = null;
  // Keep an error from opening the console in view; otherwise say what changed.
  if (state.flash?.kind !== 'error') flash('info', t('twoFactor.nowOn'));
  update();
  focusHeading();
}

async function disable(ev: Event): Promise<void> {
  ev.preventDefault();
  const { input, value } = codeFrom(ev);
  if (value === '') return refuse(input, t(page.disableWithRecovery ? 'twoFactor.recoveryMissing' : 'twoFactor.codeMissing'));
  flash('info', null);
  setBusy(t('twoFactor.disabling'));
  try {
    await staffDisableTwoFactor(page.disableWithRecovery ? { recoveryCode: value } : { totp: value });
    // Every session of the member is gone: lock, and sign in again under the new rules.
    await lockStaff();
    resetTwoFactor();
    setBusy(null);
    navigate({ name: 'staff-login' });
    flash('info', t('twoFactor.nowOff'));
  } catch (err) {
    setBusy(null);
    const message = secondFactorError(err);
    if (message) refuse(input, message);
    else flash('error', describeError(err));
  }
}

async function signOut(): Promise<void> {
  await lockStaff();
  resetTwoFactor();
  navigate({ name: 'staff-login' });
}

/**
 * The otpauth:// URI as a QR code, drawn here as SVG from uqr's module matrix. SECURITY: no image
 * service and no request: the secret never leaves this page except to the authenticator's camera.
 */
function qrCode(uri: string): TemplateResult {
  const { data, size } = encode(uri, { ecc: 'M', border: 2 });
  let d = '';
  data.forEach((row, y) => row.forEach((dark, x) => (d += dark ? `M${x} ${y}h1v1h-1z` : '')));
  return html`<figure class="qr">
    <svg viewBox="0 0 ${size} ${size}" width="220" height="220" role="img" aria-labelledby="qr-caption" shape-rendering="crispEdges" data-test="two-factor-qr">
      ${svg`<rect width=${size} height=${size} fill="#fff"></rect><path d=${d} fill="#000"></path>`}
    </svg>
    <figcaption id="qr-caption" class="small muted">${t('twoFactor.qrCaption')}</figcaption>
  </figure>`;
}

const grouped = (secret: string): string => secret.replace(/(.{4})(?=.)/g, '$1 ');

function codeField(opts: { recovery: boolean; label: string }): TemplateResult {
  const describedBy = page.error ? 'code-hint code-error' : 'code-hint';
  return html`<label for="code">${opts.label}</label>
    <p class="hint" id="code-hint">${t(opts.recovery ? 'twoFactor.recoveryHint' : 'twoFactor.codeHint')}</p>
    <input
      id="code"
      name="code"
      type="text"
      class=${opts.recovery ? 'recovery-input' : 'totp-input'}
      inputmode=${opts.recovery ? 'text' : 'numeric'}
      autocomplete=${opts.recovery ? 'off' : 'one-time-code'}
      spellcheck="false"
      maxlength=${opts.recovery ? 19 : 6}
      aria-invalid=${page.error ? 'true' : 'false'}
      aria-describedby=${describedBy}
      data-test="two-factor-code"
    />
    ${page.error ? html`<p class="field-error" id="code-error" data-test="two-factor-code-error">${page.error}</p>` : nothing}`;
}

function enrolView(e: TotpEnrolment): TemplateResult {
  return html`<h1>${t('twoFactor.enrolTitle')}</h1>
    <ol class="steps">
      <li>
        <p>${t('twoFactor.scanStep')}</p>
        ${qrCode(e.uri)}
      </li>
      <li>
        <p id="secret-label">${t('twoFactor.secretStep')}</p>
        <p class="code secret" aria-labelledby="secret-label" data-test="two-factor-secret" data-secret=${e.secret}>${grouped(e.secret)}</p>
      </li>
      <li>
        <form class="stack" @submit=${confirm} novalidate data-test="two-factor-confirm-form">
          ${codeField({ recovery: false, label: t('twoFactor.confirmStep') })}
          <button class="btn btn-primary" type="submit" data-test="two-factor-confirm">${t('twoFactor.confirm')}</button>
        </form>
      </li>
    </ol>`;
}

function recoveryCodesView(codes: string[]): TemplateResult {
  return html`<h1>${t('twoFactor.codesTitle')}</h1>
    <p class="alert alert-info">${t('twoFactor.codesIntro')}</p>
    <ol class="recovery-codes code" data-test="two-factor-recovery-codes">
      ${codes.map((c) => html`<li>${c}</li>`)}
    </ol>
    <form class="stack" @submit=${savedCodes} novalidate data-test="two-factor-saved-form">
      <label class="check">
        <input type="checkbox" name="saved" aria-invalid=${page.error ? 'true' : 'false'} aria-describedby=${page.error ? 'saved-error' : nothing} data-test="two-factor-saved" />
        ${t('twoFactor.savedCheck')}
      </label>
      ${page.error ? html`<p class="field-error" id="saved-error">${page.error}</p>` : nothing}
      <button class="btn btn-primary" type="submit" data-test="two-factor-saved-submit">${t('twoFactor.savedDone')}</button>
    </form>`;
}

function statusView(s: TwoFactorStatus | null): TemplateResult {
  const enrolOnly = enrolmentOnlySession() !== null;
  return html`<h1>${t('twoFactor.title')}</h1>
    ${enrolOnly ? html`<p class="alert alert-info" data-test="two-factor-required">${t('twoFactor.requiredNotice')}</p>` : nothing}
    <p class="lead">${t('twoFactor.intro')}</p>
    ${
      s === null
        ? page.failed
          ? html`<button class="btn btn-secondary" type="button" @click=${() => void loadStatus()}>${t('common.retry')}</button>`
          : html`<p class="muted">${t('twoFactor.loading')}</p>`
        : s.enabled
          ? html`<p data-test="two-factor-status">${t('twoFactor.statusOn', { n: s.recoveryCodesLeft })}</p>
              <h2>${t('twoFactor.disableTitle')}</h2>
              <p>${t('twoFactor.disableIntro')}</p>
              <form class="stack" @submit=${disable} novalidate data-test="two-factor-disable-form">
                ${codeField({ recovery: page.disableWithRecovery, label: t(page.disableWithRecovery ? 'twoFactor.recoveryLabel' : 'twoFactor.codeLabel') })}
                <button class="btn btn-secondary" type="submit" data-test="two-factor-disable">${t('twoFactor.disable')}</button>
              </form>
              <p>
                <button
                  class="btn-link"
                  type="button"
                  data-test="two-factor-disable-switch"
                  @click=${() => {
                    page.disableWithRecovery = !page.disableWithRecovery;
                    page.error = null;
                    update();
                    document.querySelector<HTMLInputElement>('#code')?.focus();
                  }}
                >
                  ${t(page.disableWithRecovery ? 'twoFactor.useAuthenticator' : 'twoFactor.useRecovery')}
                </button>
              </p>`
          : html`<p data-test="two-factor-status">${t(s.required ? 'twoFactor.statusOffRequired' : 'twoFactor.statusOff')}</p>
              <button class="btn btn-primary" type="button" @click=${() => void begin()} data-test="two-factor-begin">${t('twoFactor.begin')}</button>`
    }
    ${
      enrolOnly
        ? html`<p><button class="btn-link" type="button" @click=${() => void signOut()} data-test="two-factor-sign-out">${t('twoFactor.signOut')}</button></p>`
        : html`<p><a href="#/staff/queue" data-test="two-factor-back">${t('staff.backToQueue')}</a></p>`
    }`;
}

export function staffTwoFactorView(): TemplateResult {
  if (signedIn() === null) {
    return html`<h1>${t('twoFactor.title')}</h1>
      <p>${t('staff.lockedNotice')}</p>
      <a class="btn btn-primary" href="#/staff/login">${t('staff.signIn')}</a>`;
  }
  if (page.recoveryCodes) return recoveryCodesView(page.recoveryCodes);
  if (page.enrolment) return enrolView(page.enrolment);
  if (page.status === null && !page.loading && !page.failed) void loadStatus();
  return statusView(page.status);
}
