// Landing: what the desk is, what the server can and cannot see, and the desk fingerprint with
// how to check it.
import { html, type TemplateResult } from 'lit-html';
import { groupFingerprint } from '../format';
import { t } from '../i18n';
import { state } from '../store';

function fingerprintBlock(): TemplateResult {
  // Prefer the fingerprint computed in the worker from the verified log over the server's claim.
  const fp = state.trust.status === 'ok' ? state.trust.check.fingerprint : (state.desk?.fingerprint ?? null);
  return html`<section class="card">
    <h2>${t('landing.fingerprintTitle')}</h2>
    ${
      fp === null
        ? html`<p class="muted" data-test="desk-fingerprint-missing">${t('landing.fingerprintMissing')}</p>`
        : html`<p class="fingerprint" data-test="desk-fingerprint">${groupFingerprint(fp)}</p>`
    }
    <p>${t('landing.fingerprintHow')}</p>
    <p class="muted">${t('landing.fingerprintPinned')}</p>
  </section>`;
}

export function landingView(): TemplateResult {
  return html`<section class="hero">
      <h1>${t('landing.title')}</h1>
      <p class="lead">${t('landing.intro')}</p>
      <div class="actions">
        <a class="btn btn-primary" href="#/new" data-test="start-new">${t('landing.newRequest')}</a>
        <a class="btn btn-secondary" href="#/return" data-test="start-return">${t('landing.haveSecret')}</a>
      </div>
    </section>
    <section class="card">
      <h2>${t('landing.seeTitle')}</h2>
      <h3>${t('landing.cannotSeeTitle')}</h3>
      <ul>
        <li>${t('landing.cannotSee1')}</li>
        <li>${t('landing.cannotSee2')}</li>
        <li>${t('landing.cannotSee3')}</li>
      </ul>
      <h3>${t('landing.canSeeTitle')}</h3>
      <ul>
        <li>${t('landing.canSee1')}</li>
        <li>${t('landing.canSee2')}</li>
        <li>${t('landing.canSee3')}</li>
      </ul>
      <p class="muted">${t('landing.limits')}</p>
    </section>
    ${fingerprintBlock()}
    <p class="muted small"><a href="#/staff/login" data-test="staff-link">${t('landing.staffLink')}</a></p>`;
}

export function notFoundView(): TemplateResult {
  return html`<section class="card">
    <h1>${t('notFound.title')}</h1>
    <p><a class="btn btn-primary" href="#/">${t('notFound.home')}</a></p>
  </section>`;
}
