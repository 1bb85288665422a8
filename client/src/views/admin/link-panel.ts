// The panel that hands over a one-time link (an invite, a reset's re-enrolment link): the link
// in a read-only field to select, when it expires, and a copy button that says in words (a
// screen reader hears the status) once it has copied.
import { html, nothing, type TemplateResult } from 'lit-html';
import { formatTime } from '../../format';
import { currentLanguage, t } from '../../i18n';
import { update } from '../../store';

export interface OneTimeLink {
  link: string;
  expiresAt: number;
}

export interface LinkPanelText {
  title: string;
  /** The sentence around the expiry time, already formatted for the reader's language. */
  intro: (time: string) => string;
  hint?: string;
}

/** Element ids and data-test hooks follow the kind: invite-link / admin-invite-link, … */
const SECTION_TEST = { invite: 'admin-invited', reset: 'admin-reset-done' } as const;

/** The links copied so far; forgotten with the page state that holds the link. */
const copied = new WeakSet<OneTimeLink>();

/** Copies the link; without clipboard permission (or in an old browser) selects it instead. */
async function copyLink(field: string, offer: OneTimeLink): Promise<void> {
  try {
    await navigator.clipboard.writeText(offer.link);
    copied.add(offer);
  } catch {
    document.querySelector<HTMLInputElement>(`#${field}`)?.select();
  }
  update();
}

export function linkPanel(kind: keyof typeof SECTION_TEST, offer: OneTimeLink, text: LinkPanelText): TemplateResult {
  const field = `${kind}-link`;
  return html`<section class="panel stack" aria-labelledby=${`${field}-title`} data-test=${SECTION_TEST[kind]}>
    <h2 id=${`${field}-title`}>${text.title}</h2>
    <p>${text.intro(formatTime(offer.expiresAt, currentLanguage()))}</p>
    <label for=${field}>${t('admin.invite.linkLabel')}</label>
    <input id=${field} class="code" type="text" readonly .value=${offer.link} data-test=${`admin-${field}`} @focus=${(ev: Event) => (ev.target as HTMLInputElement).select()} />
    <p>
      <button class="btn btn-secondary" type="button" data-test=${`admin-${kind}-copy`} @click=${() => void copyLink(field, offer)}>${t('admin.copy')}</button>
      <span role="status" class="small">${copied.has(offer) ? t('admin.copied') : ''}</span>
    </p>
    ${text.hint ? html`<p class="hint">${text.hint}</p>` : nothing}
  </section>`;
}
