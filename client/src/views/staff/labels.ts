import type { TicketPriority } from '../../api';
import { t } from '../../i18n';

export function priorityLabel(p: TicketPriority): string {
  switch (p) {
    case 'low':
      return t('priority.low');
    case 'normal':
      return t('priority.normal');
    case 'high':
      return t('priority.high');
    case 'urgent':
      return t('priority.urgent');
  }
}
