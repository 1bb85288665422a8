// Human labels for enum values. Written as explicit t('…') calls (no computed keys) so the i18n
// test can see every key that is used.
import type { TicketStatus } from '../api';
import { t } from '../i18n';
import type { Category, SignatureStatus } from '../rpc';

export function categoryLabel(c: Category): string {
  switch (c) {
    case 'hacked_account':
      return t('category.hackedAccount');
    case 'malware':
      return t('category.malware');
    case 'phishing':
      return t('category.phishing');
    case 'censorship':
      return t('category.censorship');
    case 'other':
      return t('category.other');
  }
}

export function statusLabel(s: TicketStatus): string {
  switch (s) {
    case 'new':
      return t('status.new');
    case 'open':
      return t('status.open');
    case 'waiting_requester':
      return t('status.waitingRequester');
    case 'resolved':
      return t('status.resolved');
    case 'closed':
      return t('status.closed');
  }
}

export function signatureLabel(s: SignatureStatus): string {
  switch (s) {
    case 'verified':
      return t('thread.verified');
    case 'own':
      return t('thread.ownVerified');
    case 'former_key':
      return t('thread.formerKey');
    case 'former_member':
      return t('thread.formerMember');
    case 'bad':
      return t('thread.badSignature');
    case 'unknown_author':
      return t('thread.unknownAuthor');
  }
}
