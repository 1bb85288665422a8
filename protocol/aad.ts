// Associated data: the bytes that bind a ciphertext to its place. Moving a ciphertext to another
// ticket, message slot, kind or staff account changes the AD, and the AEAD tag (and signature)
// no longer verify.
import { LABEL_AD_PREFIX, MESSAGE_AD_PREFIX, REQUESTER_SESSION_PREFIX, STAFF_KEYS_AD_PREFIX } from './constants';
import { utf8 } from './encoding';
import { FormatError } from './errors';
import { assertId } from './schemas';
import type { MessageKind } from './types';

const KINDS: ReadonlySet<string> = new Set<MessageKind>(['message', 'note', 'attachment']);

/** utf8("sealdesk/v1/" + kind + "|" + ticketId + "|" + messageId) — SPEC §5. */
export function messageAd(kind: MessageKind, ticketId: string, messageId: string): Uint8Array {
  // SECURITY: ids are validated so "|" can never appear inside one; otherwise two different
  // (ticketId, messageId) pairs could produce the same AD.
  if (!KINDS.has(kind)) throw new FormatError('unknown message kind');
  assertId(ticketId, 'ticketId');
  assertId(messageId, 'messageId');
  return utf8(`${MESSAGE_AD_PREFIX}${kind}|${ticketId}|${messageId}`);
}

export function staffKeysAd(staffId: string): Uint8Array {
  assertId(staffId, 'staffId');
  return utf8(STAFF_KEYS_AD_PREFIX + staffId);
}

export function labelAd(tag: string): Uint8Array {
  return utf8(LABEL_AD_PREFIX + tag);
}

export function requesterSessionMessage(challenge: string): Uint8Array {
  if (typeof challenge !== 'string' || challenge.length === 0 || challenge.length > 512) {
    throw new FormatError('session challenge is malformed');
  }
  return utf8(REQUESTER_SESSION_PREFIX + challenge);
}
