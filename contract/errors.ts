// The error contract (docs/API.md "Errors"): every 4xx/5xx body is {"error": {code, message}},
// and every `code` has exactly one HTTP status. The server maps a thrown code to its status from
// this table, once (server/errors.ts); clients branch on `code`, never on the message text.
import { z } from 'zod';

export const ErrorResponse = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ErrorBody = z.infer<typeof ErrorResponse>;

/** code → status and a one-line meaning. Adding a code means adding a row here (and to API.md). */
export const ERROR_CODES = Object.freeze({
  bad_request: { status: 400, meaning: 'the request is malformed (URL, headers, framing)' },
  bad_json: { status: 400, meaning: 'the body is empty or not valid JSON' },
  validation_failed: { status: 400, meaning: 'params, query or body do not match the route schema' },
  bad_signature: { status: 400, meaning: "a message signature does not verify against its author's key" },
  pow_invalid: { status: 400, meaning: 'the proof of work is wrong, or was issued for another purpose' },
  pow_expired: { status: 400, meaning: 'the proof-of-work challenge has expired' },
  pow_replayed: { status: 400, meaning: 'the proof of work was already spent' },
  pow_required: { status: 400, meaning: "a ticket after the requester's first needs a proof of work" },
  kdf_too_weak: { status: 400, meaning: "the account's Argon2id parameters are below the desk's floor (PROTOCOL.md §3)" },
  keylog_invalid: { status: 400, meaning: 'the key-log entry does not verify against the stored log' },
  note_key_missing: { status: 400, meaning: 'the first note of a ticket must carry noteWrap' },
  unknown_assignee: { status: 400, meaning: 'the assignee is not an active staff member' },
  unknown_label: { status: 400, meaning: 'a label tag is not in the label dictionary' },
  bad_chunk_count: { status: 400, meaning: 'chunkCount does not match paddedSize and chunkBytes' },
  bad_chunk_size: { status: 400, meaning: 'a chunk does not have the exact length its index requires' },
  chunk_out_of_range: { status: 400, meaning: 'the chunk index is past the last chunk' },
  bad_padded_size: { status: 400, meaning: 'paddedSize is not one of the size buckets (PROTOCOL.md §5.1)' },
  unauthorized: { status: 401, meaning: 'no valid session (or a wrong secret, token or signature to sign in)' },
  forbidden: { status: 403, meaning: 'authenticated, but this account may not do this' },
  not_admitted: { status: 403, meaning: 'the key log does not vouch for this account yet (or it holds no live grant)' },
  not_found: { status: 404, meaning: 'no such route or object, or one the caller may not see' },
  conflict: { status: 409, meaning: 'the write conflicts with stored state (an id already in use, …)' },
  already_set_up: { status: 409, meaning: 'the desk is set up already' },
  setup_required: { status: 409, meaning: 'the desk is not set up yet' },
  stale_team_key: { status: 409, meaning: 'a wrap or grant names a team key version that is not current' },
  keylog_conflict: { status: 409, meaning: 'the key log moved on (another admin appended first); refetch' },
  keylog_mismatch: { status: 409, meaning: 'a staff-add entry does not match the stored account' },
  not_in_keylog: { status: 409, meaning: 'the member is not in the key log with their current keys' },
  rewrap_incomplete: { status: 409, meaning: 'wraps still need re-sealing before this team key can retire' },
  last_admin: { status: 409, meaning: 'the change would leave no key-log admin who can extend the key log' },
  username_taken: { status: 409, meaning: 'a staff member with this username exists' },
  staff_id_mismatch: { status: 409, meaning: 're-enrolment must keep the account staffId' },
  self_change: { status: 409, meaning: 'an admin cannot change their own account' },
  bad_status: { status: 409, meaning: 'the account is not in a state this change applies to' },
  ticket_closed: { status: 409, meaning: 'the ticket is closed; open a new one' },
  label_exists: { status: 409, meaning: 'the label tag is in the dictionary already' },
  attachment_complete: { status: 409, meaning: 'the attachment is complete and immutable' },
  attachment_incomplete: { status: 409, meaning: 'chunks are missing, or the attachment is not complete yet' },
  payload_too_large: { status: 413, meaning: 'the body, file or ticket total is over its limit' },
  unsupported_media_type: { status: 415, meaning: 'wrong content-type for this route' },
  rate_limited: { status: 429, meaning: 'too many requests; retry later' },
  quota_exceeded: { status: 429, meaning: 'a per-requester quota (open tickets, messages per hour) is used up' },
  // ---- two-factor sign-in and throttling (issue 13 §1–2) ----
  two_factor_required: { status: 401, meaning: 'the password is right; send it again with a totp or recoveryCode' },
  two_factor_invalid: { status: 400, meaning: 'the TOTP or recovery code is wrong, expired or already used' },
  two_factor_enrolment_required: { status: 403, meaning: 'the desk requires two-factor: this session may only enrol one (/api/staff/two-factor)' },
  two_factor_enabled: { status: 409, meaning: 'a second factor is active already; disable it first' },
  two_factor_not_enabled: { status: 409, meaning: 'the account has no active second factor (or no enrolment to confirm)' },
  sign_in_throttled: { status: 429, meaning: 'too many failed sign-ins for this account name; wait Retry-After seconds' },
  // ---- the team's life (issue 10) ----
  label_key_exists: { status: 409, meaning: 'the key log already commits to a desk label key' },
  entry_mismatch: { status: 409, meaning: 'the key-log entry sent with an account change is not the one that change needs' },
  internal: { status: 500, meaning: 'an unexpected server error (details only in the server log)' },
  overloaded: { status: 503, meaning: 'the desk is shedding load (or out of file descriptors); retry shortly' },
  storage_unavailable: { status: 503, meaning: 'the database is read-only, locked or failing; nothing was written, retry later' },
  storage_full: { status: 507, meaning: 'the disk or database is full; nothing was written, retry later' },
} as const satisfies Record<string, { status: number; meaning: string }>);

export type ErrorCode = keyof typeof ERROR_CODES;

/** Seconds a client should wait before retrying a 503/507 (sent as `Retry-After`). */
export const RETRY_AFTER_SECONDS = 30;

export function statusOfCode(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

/** The error statuses a route can answer, as its `response` map entries. */
export function errorResponses<const S extends readonly number[]>(...statuses: S): { [K in S[number]]: typeof ErrorResponse } {
  return Object.fromEntries(statuses.map((s) => [s, ErrorResponse])) as { [K in S[number]]: typeof ErrorResponse };
}
