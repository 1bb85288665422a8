// Human labels for staff-console enum values. Explicit t('…') calls (no computed keys) so the
// i18n test sees every key that is used.
import type { TicketPriority } from '../../api';
import { t } from '../../i18n';
import type { SearchHit } from '../../rpc';

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

export function searchFieldLabel(f: SearchHit['field']): string {
  switch (f) {
    case 'subject':
      return t('console.search.inSubject');
    case 'category':
      return t('console.search.inCategory');
    case 'message':
      return t('console.search.inMessage');
    case 'note':
      return t('console.search.inNote');
    case 'label':
      return t('console.search.inLabel');
  }
}
