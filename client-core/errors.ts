/**
 * A refusal by the client core (locked, no key for this ticket, weak password, keys that are not
 * the logged ones…) with a stable code. The worker passes code and message to the page; the CLI
 * prints the message. Protocol failures stay CryptoError (they carry their own codes).
 */
export class CoreError extends Error {
  constructor(
    readonly code: CoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CoreError';
  }
}

export type CoreErrorCode =
  | 'not_ready'
  | 'desk_changed'
  | 'keylog_unverified'
  | 'keylog_invalid'
  | 'no_keys'
  | 'no_kek'
  | 'locked'
  | 'no_ticket_key'
  | 'no_note_key'
  | 'no_team_key'
  | 'not_admin'
  | 'bad_username'
  | 'weak_password'
  | 'bad_passphrase'
  | 'not_activated'
  | 'fingerprint_differs'
  | 'awaiting_admission'
  | 'no_label_key'
  | 'self_change'
  | 'rotation_blocked'
  // attachments (client-core/attachments.ts)
  | 'cancelled'
  | 'attachment_source_changed'
  | 'attachment_untrusted'
  | 'attachment_incomplete';
