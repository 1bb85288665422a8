// Human labels for staff-console enum values. Explicit t('…') calls (no computed keys) so the
// i18n test sees every key that is used.
import type { TicketPriority, TicketStatus } from '../../api';
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

/**
 * Status as the team reads it. The requester's wording ("waiting for your answer") speaks to
 * the requester; on the staff side the same status waits for the requester, not for staff.
 */
export function staffStatusLabel(s: TicketStatus): string {
  switch (s) {
    case 'new':
      return t('staffStatus.new');
    case 'open':
      return t('staffStatus.open');
    case 'waiting_requester':
      return t('staffStatus.waitingRequester');
    case 'resolved':
      return t('staffStatus.resolved');
    case 'closed':
      return t('staffStatus.closed');
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
