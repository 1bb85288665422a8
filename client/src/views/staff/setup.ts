// First-admin setup (#/setup/:token). Placeholder: the browser flow (generate admin keys,
// genesis entry, team key v1) is not built yet; the CLI does the same thing headless.
import { html, type TemplateResult } from 'lit-html';
import { t } from '../../i18n';

export function setupView(): TemplateResult {
  return html`<h1>${t('setup.title')}</h1>
    <p class="lead" data-test="setup-placeholder">${t('setup.placeholder')}</p>
    <pre class="code">npm run cli -- setup</pre>
    <p class="muted">${t('setup.afterwards')}</p>`;
}
