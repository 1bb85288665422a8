// Small inline SVG icons. Emoji and symbol characters (👤 🔒 ⚠ ✓) depend on fonts a machine may
// not have — an empty box next to "signature check FAILED" helps nobody — so the shapes are
// drawn here. They are decorative: the text beside them always says the same in words.
import { svg, type TemplateResult } from 'lit-html';

function icon(path: TemplateResult): TemplateResult {
  return svg`<svg class="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">${path}</svg>`;
}

export const checkIcon = (): TemplateResult => icon(svg`<path d="M2.5 8.5l3.5 3.5 7.5-8" fill="none" stroke="currentColor" stroke-width="2" />`);

export const warningIcon = (): TemplateResult =>
  icon(
    svg`<path d="M8 1.5l7 13H1z" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round" /><path d="M8 6v4.2M8 11.8v1.2" stroke="currentColor" stroke-width="1.8" />`,
  );

export const lockIcon = (): TemplateResult =>
  icon(svg`<rect x="3" y="7" width="10" height="7.5" rx="1" fill="currentColor" /><path d="M5 7V5a3 3 0 016 0v2" fill="none" stroke="currentColor" stroke-width="1.6" />`);
