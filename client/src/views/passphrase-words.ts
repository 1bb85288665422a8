// The 8 words of a generated passphrase as every page shows them (the requester's new request and
// a staff member's activation or setup): a numbered two-column list, four columns on wide
// screens, that fits a 360-px phone without scrolling sideways; the print stylesheet keeps it.
import { html, type TemplateResult } from 'lit-html';

export function passphraseWords(words: readonly string[], label: string, dataTest = 'passphrase-words'): TemplateResult {
  return html`<ol class="words" data-test=${dataTest} aria-label=${label}>
    ${words.map((w) => html`<li>${w}</li>`)}
  </ol>`;
}
