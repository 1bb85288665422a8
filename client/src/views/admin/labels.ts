// Words for the admin console's enum values, as explicit t('…') calls (the i18n test sees every key).
import { t } from '../../i18n';
import type { RosterEntry } from '../../rpc';

export function roleLabel(role: 'admin' | 'technician'): string {
  return role === 'admin' ? t('admin.roles.admin') : t('admin.roles.technician');
}

export function memberStateLabel(s: RosterEntry['state']): string {
  switch (s) {
    case 'invited':
      return t('admin.states.invited');
    case 'awaiting_admission':
      return t('admin.states.awaitingAdmission');
    case 'active':
      return t('admin.states.active');
    case 'disabled':
      return t('admin.states.disabled');
  }
}
