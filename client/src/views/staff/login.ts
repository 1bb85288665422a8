// Staff sign-in: prelogin → Argon2id in the worker (with progress) → login → open key blob and grants.
import { html, type TemplateResult } from 'lit-html';
import { ApiError } from '../../api';
import { describeError } from '../../errors';
import { t } from '../../i18n';
import { navigate } from '../../navigate';
import { flash, setBusy, state } from '../../store';
import { staffUnlock } from './session';

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
    await staffUnlock(username, password);
    navigate({ name: 'staff-queue' });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) flash('error', t('staff.loginFailed'));
    else if (state.trust.status !== 'ok') flash('error', t('trust.invalidTitle'));
    else flash('error', describeError(err));
  } finally {
    setBusy(null);
  }
}

export function staffLoginView(): TemplateResult {
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
