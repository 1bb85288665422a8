// Turns any failure into one plain-language sentence. Raw server messages are not shown to
// requesters: they are for developers, and people under stress need to know what to do next.
import { ApiError } from './api';
import { WorkerError } from './crypto-client';
import { t } from './i18n';

export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    switch (err.code) {
      case 'network':
        return t('error.network');
      case 'unauthorized':
        return t('error.unauthorized');
      case 'forbidden':
        return t('error.forbidden');
      case 'not_found':
        return t('error.notFound');
      case 'rate_limited':
      case 'overloaded':
        return t('error.busy');
      case 'quota_exceeded':
        return t('error.quota');
      case 'payload_too_large':
        return t('error.tooLarge');
      case 'pow_invalid':
      case 'pow_expired':
      case 'pow_replayed':
        return t('error.pow');
      case 'validation_failed':
        return t('error.validation');
      case 'stale_team_key':
        return t('error.staleKey');
      default:
        return err.status >= 500 ? t('error.server') : t('error.generic');
    }
  }
  if (err instanceof WorkerError) {
    switch (err.code) {
      case 'keylog_invalid':
        return t('trust.invalidTitle');
      case 'fingerprint_mismatch':
        return t('trust.mismatchTitle');
      case 'decrypt_failed':
        return t('error.decrypt');
      case 'wiped':
        return t('error.wiped');
      default:
        return t('error.crypto');
    }
  }
  return t('error.generic');
}
