// An invited member's activation (#/activate/:token, the link `npm run cli -- invite` prints; also
// re-enrolment after a reset): look the invite up, give them a generated passphrase (or let them
// choose a password, ./secret.ts), let the worker derive the secrets and make the
// keys, post them, then tell the member to ask an admin to admit them and show the key
// fingerprint the admin sees when admitting (`cli admit`), to compare out of band.
import { html, nothing, type TemplateResult } from 'lit-html';
import { activateStaff, ApiError, lookupInvite, type InviteInfo } from '../../api';
import { rpc, wipeWorker } from '../../crypto-client';
import { describeError } from '../../errors';
import { groupFingerprint } from '../../format';
import { t } from '../../i18n';
import { setBusy, setProgress, state, update } from '../../store';
import { ensureTrusted } from '../../trust';
import { forgetPassphrase, newSecretChoice, secretFields, signInHint, takeSecret, type SecretChoice } from './secret';

interface ActivatePage {
  token: string;
  lookup: 'loading' | 'ready' | 'failed';
  invite: InviteInfo | null;
  working: boolean;
  error: string | null;
  secret: SecretChoice;
  done: { username: string; keyFingerprint: string; deskFingerprint: string | null; generated: boolean } | null;
}

let page: ActivatePage | null = null;

/** Forgets the page (Leave quickly). */
export function resetActivation(): void {
  page = null;
}

function activationError(err: unknown): string {
  if (err instanceof ApiError && err.status === 401) return t('activate.tokenInvalid');
  if (err instanceof ApiError && err.code === 'username_taken') return t('activate.alreadyActive');
  return describeError(err);
}

async function lookup(current: ActivatePage): Promise<void> {
  try {
    current.invite = await lookupInvite(current.token);
    current.lookup = 'ready';
  } catch (err) {
    current.lookup = 'failed';
    current.error = activationError(err);
  }
  update();
}

async function onSubmit(ev: Event, current: ActivatePage): Promise<void> {
  ev.preventDefault();
  const invite = current.invite;
  if (current.working || !invite) return;
  const pw = takeSecret(ev.target as HTMLFormElement, current.secret);
  if ('problem' in pw) {
    current.error = pw.problem;
    return update();
  }
  current.error = null;
  current.working = true;
  try {
    setBusy(t('trust.checking'));
    // Enrol only with the desk this browser pinned: a swapped desk would collect the key blob.
    if (!(await ensureTrusted())) throw new Error('untrusted');
    const deskFingerprint = state.trust.status === 'ok' ? state.trust.check.fingerprint : null;
    setBusy(t('enrol.deriving'));
    const prepared = await rpc('staffPrepareActivation', { staffId: invite.staffId, password: pw.password, generated: pw.generated }, setProgress);
    // The new secret keys existed only inside that call; a fresh worker holds none of them.
    wipeWorker();
    state.trust = { status: 'unknown' };
    setBusy(t('activate.sending'));
    const created = await activateStaff({ inviteToken: current.token, staffId: prepared.staffId, ...prepared.enrolment });
    current.done = { username: created.username, keyFingerprint: prepared.keyFingerprint, deskFingerprint, generated: pw.generated };
    forgetPassphrase(current.secret);
  } catch (err) {
    const trust = state.trust.status;
    if (trust === 'mismatch' || trust === 'invalid') current.error = t('trust.invalidTitle');
    else if (trust === 'unreachable') current.error = t('error.network');
    else current.error = activationError(err);
  } finally {
    current.working = false;
    setBusy(null);
  }
}

function doneView(done: NonNullable<ActivatePage['done']>): TemplateResult {
  return html`<h1>${t('activate.doneTitle')}</h1>
    <section class="card" data-test="activate-done">
      <p class="lead">${t('activate.askAdmin', { name: done.username })}</p>
      <h2>${t('activate.keyFingerprintTitle')}</h2>
      <p class="fingerprint" data-test="activate-fingerprint" data-fingerprint=${done.keyFingerprint}>${done.keyFingerprint}</p>
      <p>${t('activate.keyFingerprintHow')}</p>
      ${
        done.deskFingerprint === null
          ? nothing
          : html`<p class="muted small">${t('activate.deskFingerprint')}</p>
              <p class="fingerprint small">${groupFingerprint(done.deskFingerprint)}</p>`
      }
      ${signInHint(done.generated)}
      <p>${t('activate.afterAdmission')} <a href="#/staff/login">${t('activate.signIn')}</a></p>
    </section>`;
}

function roleName(role: InviteInfo['role']): string {
  return role === 'admin' ? t('activate.roleAdmin') : t('activate.roleTechnician');
}

export function activateView(token: string): TemplateResult {
  if (!page || page.token !== token) {
    page = { token, lookup: 'loading', invite: null, working: false, error: null, secret: newSecretChoice(), done: null };
    void lookup(page);
  }
  const current = page;
  if (current.done) return doneView(current.done);
  const error = current.error === null ? nothing : html`<p class="alert alert-error" role="alert" data-test="activate-error">${current.error}</p>`;
  const invite = current.invite;
  if (!invite) {
    return html`<h1>${t('activate.title')}</h1>
      ${current.lookup === 'loading' ? html`<p class="muted">${t('activate.loading')}</p>` : nothing} ${error}`;
  }
  return html`<h1>${t('activate.title')}</h1>
    <p class="lead">${t('activate.intro')}</p>
    <dl class="card">
      <dt>${t('enrol.username')}</dt>
      <dd data-test="activate-username">${invite.username}</dd>
      <dt>${t('activate.role')}</dt>
      <dd data-test="activate-role">${roleName(invite.role)}</dd>
    </dl>
    <ul>
      <li>${t('activate.explainKeys')}</li>
      <li>${t('activate.explainAdmission')}</li>
    </ul>
    <form class="stack" novalidate data-test="activate-form" @submit=${(ev: Event) => void onSubmit(ev, current)}>
      <input type="text" name="username" autocomplete="username" .value=${invite.username} readonly hidden />
      ${secretFields('activate', current.secret)}
      <button class="btn btn-primary" type="submit" ?disabled=${current.working} data-test="activate-submit">${t('activate.submit')}</button>
    </form>
    ${error}
    <p class="muted small">${t('activate.cliAlternative')}</p>
    <pre class="code">npm run cli -- activate TOKEN --server URL</pre>`;
}
