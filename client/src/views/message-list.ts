// Renders a decrypted thread. Used by the requester thread and the staff ticket view.
// SECURITY: text is interpolated by lit-html (escaped); a failed signature is shown in red,
// never hidden, and a message that does not decrypt says so instead of disappearing.
import { html, nothing, type TemplateResult } from 'lit-html';
import { formatSentHere, formatTime } from '../format';
import { currentLanguage, t } from '../i18n';
import type { DisplayMessage } from '../rpc';
import { state } from '../store';
import { checkIcon, warningIcon } from './icons';
import { signatureLabel } from './labels';

function authorLabel(m: DisplayMessage, viewer: 'requester' | 'staff'): string {
  if (m.author.type === 'requester') return viewer === 'requester' ? t('thread.you') : t('thread.requester');
  return m.kind === 'note' ? t('thread.note') : t('thread.staff');
}

function badge(m: DisplayMessage): TemplateResult {
  const bad = m.signature === 'bad' || m.signature === 'unknown_author';
  return html`<span class=${bad ? 'badge badge-bad' : 'badge badge-ok'} data-test=${bad ? 'sig-bad' : 'sig-ok'}>
    ${bad ? warningIcon() : checkIcon()} ${signatureLabel(m.signature)}
  </span>`;
}

/** The server's time (hour-rounded for requesters), or the real one for what this browser sent. */
export function messageTime(m: DisplayMessage, lang: string): TemplateResult {
  const sentAt = state.sentHere.get(m.messageId);
  if (sentAt === undefined) return html`<span class="muted small">${formatTime(m.createdAt, lang)}</span>`;
  return html`<span class="muted small" data-test="sent-here-time">${formatSentHere(sentAt, Date.now(), lang)}</span>`;
}

export function messageList(messages: readonly DisplayMessage[], viewer: 'requester' | 'staff'): TemplateResult {
  const lang = currentLanguage();
  return html`<ol class="thread" data-test="thread">
    ${messages.map(
      (m) =>
        html`<li class=${`msg msg-${m.author.type}${m.kind === 'note' ? ' msg-note' : ''}`} data-test="message">
          <div class="msg-head">
            <strong>${authorLabel(m, viewer)}</strong>
            ${messageTime(m, lang)} ${badge(m)}
          </div>
          ${m.signature === 'bad' ? html`<p class="alert alert-danger small">${t('thread.badSignatureExplain')}</p>` : nothing}
          ${
            m.decryptFailed && m.signature === 'bad'
              ? nothing
              : m.decryptFailed
                ? html`<p class="alert alert-error small">${t('thread.decryptFailed')}</p>`
                : html`${m.subject ? html`<h3 class="msg-subject">${m.subject}</h3>` : nothing}
                    <p class="msg-body">${m.body}</p>`
          }
        </li>`,
    )}
  </ol>`;
}
