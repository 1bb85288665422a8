// Admin console, "Desk policy": what the desk enforces as it stands (proof-of-work difficulty,
// retention, size limits, quotas, two-factor requirement); what the server lists as `editable`
// (today the two-factor requirement) can be changed here at run time.
// Values the operator sets in the server's environment are shown, not edited: changing them needs
// a restart and belongs to the operator (docs/OPERATIONS.md).
import { html, nothing, type TemplateResult } from 'lit-html';
import { adminPolicy, adminTwoFactorPolicy, ApiError, type DeskPolicyView } from '../../api';
import { describeError } from '../../errors';
import { formatBytes } from '../../format';
import { t } from '../../i18n';
import { flash, setBusy } from '../../store';
import { adminGate, adminNav } from './access';
import { loaded } from './loaded';

const policy = loaded(adminPolicy);

export function resetAdminPolicy(): void {
  policy.reset();
}

export function enterAdminPolicy(): void {
  policy.refresh();
}

async function setTwoFactor(required: boolean): Promise<void> {
  flash('info', null);
  setBusy(t('admin.policy.saving'));
  try {
    const res = await adminTwoFactorPolicy(required);
    if (policy.value) policy.set({ ...policy.value, twoFactorRequired: res.required });
    setBusy(null);
    flash('info', res.required ? t('admin.policy.twoFactorOnDone', { n: res.signedOut }) : t('admin.policy.twoFactorOffDone'));
  } catch (err) {
    setBusy(null);
    flash('error', err instanceof ApiError && err.code === 'two_factor_not_enabled' ? t('admin.policy.ownFactorFirst') : describeError(err));
  }
}

function policyList(p: DeskPolicyView): TemplateResult {
  return html`<dl class="meta" data-test="admin-policy">
      <dt>${t('admin.policy.pow')}</dt>
      <dd data-test="admin-policy-pow">${t('admin.policy.powValue', { bits: p.powDifficulty })}</dd>
      <dt>${t('admin.policy.retention')}</dt>
      <dd data-test="admin-policy-retention">${t('admin.policy.retentionValue', { n: p.retentionDays })}</dd>
      <dt>${t('admin.policy.maxTicket')}</dt>
      <dd>${formatBytes(p.maxTicketBytes)}</dd>
      <dt>${t('admin.policy.maxAttachment')}</dt>
      <dd>${formatBytes(p.maxAttachmentBytes)}</dd>
      <dt>${t('admin.policy.openTickets')}</dt>
      <dd>${p.quotas.openTicketsPerRequester}</dd>
      <dt>${t('admin.policy.messagesPerHour')}</dt>
      <dd>${p.quotas.messagesPerHour}</dd>
    </dl>
    <p class="hint">${t('admin.policy.operatorSet')}</p>`;
}

function twoFactorPanel(required: boolean, editable: boolean): TemplateResult {
  return html`<section class="stack" aria-labelledby="policy-2fa-title">
    <h2 id="policy-2fa-title">${t('admin.policy.twoFactorTitle')}</h2>
    <p data-test="admin-policy-two-factor" data-required=${String(required)}>${required ? t('admin.policy.twoFactorOn') : t('admin.policy.twoFactorOff')}</p>
    ${
      editable
        ? html`<p class="hint">${required ? t('admin.policy.twoFactorOffHint') : t('admin.policy.twoFactorOnHint')}</p>
            <button class="btn btn-secondary" type="button" data-test="admin-policy-two-factor-toggle" @click=${() => void setTwoFactor(!required)}>
              ${required ? t('admin.policy.twoFactorTurnOff') : t('admin.policy.twoFactorTurnOn')}
            </button>`
        : nothing
    }
  </section>`;
}

export function adminPolicyView(): TemplateResult {
  return adminGate(t('admin.policyTitle'), () => {
    policy.ensure();
    return html`<h1>${t('admin.policyTitle')}</h1>
      ${adminNav('policy')} ${policy.render((p) => html`${policyList(p)} ${twoFactorPanel(p.twoFactorRequired, p.editable.includes('twoFactorRequired'))}`)}`;
  });
}
