// The staff view of a thread: replies and internal notes interleaved. Internal notes are styled
// apart (and say so in words, not only colour) so nobody mistakes one for a reply the requester
// can see. SECURITY: text goes through lit-html (escaped); a failed signature is shown in red.
import { html, nothing, type TemplateResult } from 'lit-html';
import { messageTime } from '../message-list';
import { currentLanguage, t } from '../../i18n';
import type { DisplayMessage } from '../../rpc';
import { checkIcon, lockIcon, warningIcon } from '../icons';
import { signatureLabel } from '../labels';
import { staffName } from './console';

function author(m: DisplayMessage): string {
  if (m.author.type === 'requester') return t('thread.requester');
  return staffName(m.author.staffId) ?? t('thread.staff');
}

function badge(m: DisplayMessage): TemplateResult {
  const bad = m.signature === 'bad' || m.signature === 'unknown_author';
  return html`<span class=${bad ? 'badge badge-bad' : 'badge badge-ok'} data-test=${bad ? 'sig-bad' : 'sig-ok'}>
    ${bad ? warningIcon() : checkIcon()} ${!bad && m.author.type === 'requester' ? t('console.sigRequester') : signatureLabel(m.signature)}
  </span>`;
}

function body(m: DisplayMessage): TemplateResult | typeof nothing {
  if (m.signature === 'bad') return html`<p class="alert alert-danger small">${t('thread.badSignatureExplain')}</p>`;
  if (m.decryptFailed) {
    return html`<p class="alert alert-error small">${m.kind === 'note' ? t('console.note.cannotOpen') : t('thread.decryptFailed')}</p>`;
  }
  return html`${m.subject ? html`<h3 class="msg-subject">${m.subject}</h3>` : nothing}
    <p class="msg-body">${m.body}</p>`;
}

export function staffThread(messages: readonly DisplayMessage[]): TemplateResult {
  const lang = currentLanguage();
  return html`<ol class="thread" data-test="staff-thread">
    ${messages.map((m) => {
      const note = m.kind === 'note';
      return html`<li class=${`msg msg-${m.author.type}${note ? ' msg-note' : ''}`} data-test=${note ? 'staff-note' : 'staff-message'} data-seq=${m.seq}>
        ${note ? html`<p class="note-flag">${lockIcon()} ${t('console.note.flag')}</p>` : nothing}
        <div class="msg-head">
          <strong>${author(m)}</strong>
          ${messageTime(m, lang)} ${badge(m)}
        </div>
        ${body(m)}
      </li>`;
    })}
  </ol>`;
}
