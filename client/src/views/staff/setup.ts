// First admin, in the browser (#/setup/:token, the URL the server prints at first start). The
// worker does what `npm run cli -- setup` does (Argon2id, keys, signed genesis and team key v1,
// sealed key blob and grant); this page posts it, reads the key log back, verifies it against the
// fingerprint of the genesis the worker signed, pins it, and shows it to be published.
// The admin's secret is a generated passphrase by default, or a password of their own (./secret.ts).
import { html, nothing, type TemplateResult } from 'lit-html';
import { ApiError, getDesk, getKeyLog, setupDesk, type DeskInfo } from '../../api';
import { rpc, wipeWorker, WorkerError } from '../../crypto-client';
import { describeError } from '../../errors';
import { groupFingerprint } from '../../format';
import { t } from '../../i18n';
import { readPin, writePin } from '../../pin';
import { STAFF_USERNAME } from '../../rpc';
import { setBusy, setProgress, state, update } from '../../store';
import { forgetPassphrase, newSecretChoice, secretFields, signInHint, takeSecret, type SecretChoice } from './secret';

// ---- setup page ----

interface SetupPage {
  token: string;
  username: string;
  working: boolean;
  error: string | null;
  secret: SecretChoice;
  done: { username: string; fingerprint: string; otherPin: boolean; generated: boolean } | null;
}

let page: SetupPage | null = null;

function pageFor(token: string): SetupPage {
  if (!page || page.token !== token) page = { token, username: '', working: false, error: null, secret: newSecretChoice(), done: null };
  return page;
}

/** Forgets the page (Leave quickly). */
export function resetSetup(): void {
  page = null;
}

class Refused extends Error {}

/** The desk as it is now (setup changes it), remembered for the other pages. */
async function freshDesk(): Promise<DeskInfo> {
  const desk = await getDesk();
  state.desk = desk;
  return desk;
}

/**
 * Reads the key log the desk now serves and verifies it in the worker against the fingerprint
 * of the genesis this browser signed, then pins it (same TOFU pin as every other page).
 */
async function verifyAndPin(expected: string): Promise<{ otherPin: boolean }> {
  const desk = await freshDesk();
  const { entries } = await getKeyLog();
  await rpc('init', { deskId: desk.deskId });
  const check = await rpc('verifyKeyLog', { entries, pinnedFingerprint: expected });
  if (desk.fingerprint !== check.fingerprint) throw new WorkerError('fingerprint_mismatch', 'the desk reports another fingerprint');
  const pinned = readPin();
  if (pinned === null) writePin(expected);
  // A browser that pinned another desk at this address keeps warning: there is no in-app override.
  const otherPin = pinned !== null && pinned !== expected;
  state.trust = otherPin ? { status: 'mismatch' } : { status: 'ok', check, firstUse: pinned === null };
  return { otherPin };
}

function setupError(err: unknown, stage: 'before' | 'post' | 'verify'): string {
  if (err instanceof Refused) return err.message;
  if (stage === 'verify') return t('setup.verifyFailed');
  if (err instanceof ApiError && err.status === 401) return t('setup.tokenInvalid');
  if (err instanceof ApiError && err.code === 'already_set_up') return t('setup.alreadySetUp');
  if (err instanceof WorkerError && err.code === 'bad_username') return t('enrol.usernameRule');
  return describeError(err);
}

async function onSubmit(ev: Event, token: string): Promise<void> {
  ev.preventDefault();
  const current = pageFor(token);
  if (current.working) return;
  const form = ev.target as HTMLFormElement;
  const username = ((form.elements.namedItem('username') as HTMLInputElement | null)?.value ?? '').trim();
  const pw = takeSecret(form, current.secret);
  current.username = username;
  current.error = !STAFF_USERNAME.test(username) ? t('enrol.usernameRule') : 'problem' in pw ? pw.problem : null;
  if (current.error !== null || 'problem' in pw) return update();

  current.working = true;
  let stage: 'before' | 'post' | 'verify' = 'before';
  try {
    setBusy(t('setup.checkingDesk'));
    const desk = await freshDesk();
    if (desk.setupComplete) throw new Refused(t('setup.alreadySetUp'));
    await rpc('init', { deskId: desk.deskId });
    setBusy(t('enrol.deriving'));
    const { request, fingerprint } = await rpc('staffPrepareSetup', { username, password: pw.password, generated: pw.generated }, setProgress);
    // The admin's secret keys existed only inside that call; a fresh worker holds none of them.
    wipeWorker();
    state.trust = { status: 'unknown' };
    setBusy(t('setup.creating'));
    stage = 'post';
    await setupDesk({ token, ...request });
    stage = 'verify';
    setBusy(t('setup.verifying'));
    const { otherPin } = await verifyAndPin(fingerprint);
    current.done = { username, fingerprint, otherPin, generated: pw.generated };
    forgetPassphrase(current.secret);
  } catch (err) {
    current.error = setupError(err, stage);
  } finally {
    current.working = false;
    setBusy(null);
  }
}

function doneView(done: NonNullable<SetupPage['done']>): TemplateResult {
  return html`<h1>${t('setup.doneTitle')}</h1>
    <section class="card" data-test="setup-done">
      <p>${t('setup.doneAdmin', { name: done.username })}</p>
      <h2>${t('setup.fingerprintTitle')}</h2>
      <p class="fingerprint" data-test="setup-fingerprint" data-fingerprint=${done.fingerprint}>${groupFingerprint(done.fingerprint)}</p>
      <p>${t('setup.publish')}</p>
      ${done.otherPin ? html`<p class="alert alert-error" role="alert">${t('setup.otherPin')}</p>` : nothing}
    </section>
    <section class="card">
      <h2>${t('setup.nextTitle')}</h2>
      <p>${t('setup.nextInvite')}</p>
      <pre class="code">npm run cli -- invite USERNAME</pre>
      ${signInHint(done.generated)}
      <p><a href="#/staff/login">${t('setup.signIn')}</a></p>
    </section>`;
}

export function setupView(token: string): TemplateResult {
  const current = pageFor(token);
  if (current.done) return doneView(current.done);
  return html`<h1>${t('setup.title')}</h1>
    <p class="lead">${t('setup.intro')}</p>
    <ul>
      <li>${t('setup.explainKeys')}</li>
      <li>${t('setup.explainFingerprint')}</li>
    </ul>
    <form class="stack" novalidate data-test="setup-form" @submit=${(ev: Event) => void onSubmit(ev, token)}>
      <label for="setup-username">${t('enrol.username')}</label>
      <input
        id="setup-username"
        name="username"
        type="text"
        autocomplete="username"
        autocapitalize="none"
        spellcheck="false"
        .value=${current.username}
        data-test="setup-username"
      />
      <p class="hint">${t('enrol.usernameHint')}</p>
      ${secretFields('setup', current.secret)}
      <button class="btn btn-primary" type="submit" ?disabled=${current.working} data-test="setup-submit">${t('setup.submit')}</button>
    </form>
    ${current.error === null ? nothing : html`<p class="alert alert-error" role="alert" data-test="setup-error">${current.error}</p>`}
    <p class="muted small">${t('setup.cliAlternative')}</p>
    <pre class="code">npm run cli -- setup --username admin</pre>`;
}
