// Admin routes: /api/admin… (invites, staff, grants, audit, rotation). Every one needs an admin
// the key log vouches for (docs/API.md "Authorization").
import { z } from 'zod';
import { keyLogEntrySchema } from '../protocol/keylog-schema';
import { cursorParam, idSchema, sealedKey, staffRole, staffStatus, TeamWrapBody, teamKeyVersion, unixSeconds } from './common';
import { username } from './staff';

export const MAX_GRANTS = 500;
export const AUDIT_PAGE_MAX = 500;

/** Longest an invite may stay valid (and the default): 72 hours. */
export const INVITE_MAX_HOURS = 72;
export const InviteBody = z.strictObject({
  username,
  role: staffRole,
  ttlHours: z.number().int().min(1).max(INVITE_MAX_HOURS).optional().describe(`hours the link stays valid (default ${INVITE_MAX_HOURS})`),
});
export const Invite = z.object({ inviteToken: z.string(), expiresAt: z.number().int() });

/**
 * What the console shows of an account, derived by the server from the account and the key log:
 * `invited` (a reset account waiting to re-enrol; a first invite has no account yet and is listed
 * under `invites`), `awaiting_admission` (activated, not admitted), `active` (admitted), `disabled`.
 */
export const STAFF_STATES = ['invited', 'awaiting_admission', 'active', 'disabled'] as const;
export const staffState = z.enum(STAFF_STATES);
/** A UTC calendar day, never finer (docs/DECISIONS.md "issue 10: coarse last sign-in"). */
export const utcDay = z.string().regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, 'YYYY-MM-DD');

export const StaffRow = z.object({
  staffId: z.string(),
  username: z.string(),
  role: staffRole,
  status: staffStatus,
  state: staffState,
  boxPk: z.string().nullable().describe('fingerprint input: formatFingerprint(staffKeyFingerprintHash(boxPk, signPk)), computed by the client'),
  signPk: z.string().nullable(),
  admitted: z.boolean(),
  lastSignInDay: utcDay.nullable().describe('UTC day of the last sign-in; null if never'),
  inviteExpiresAt: unixSeconds.nullable().describe('state invited: when the pending re-enrolment invite expires'),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
/** An unused, unexpired invite for a username that has no account yet (or a reset one). */
export const PendingInvite = z.object({ username: z.string(), role: staffRole, expiresAt: unixSeconds, reenrolment: z.boolean() });
export const StaffList = z.object({ staff: z.array(StaffRow), invites: z.array(PendingInvite) });
export const InviteParams = z.strictObject({ username });
export const InviteCancelled = z.object({ cancelled: z.number().int().describe('pending invites for this username that were cancelled') });

/** A signed key-log entry to append in the same transaction as the account change. */
const companionEntry = keyLogEntrySchema;
export const StaffParams = z.strictObject({ id: idSchema });
export const StaffPatchBody = z.union([
  z.strictObject({
    status: z.literal('disabled'),
    entry: companionEntry.optional().describe('the signed staff-remove for this member (required when the key log lists them as active)'),
  }),
  z.strictObject({ status: z.literal('active') }),
  z.strictObject({ role: staffRole, entry: companionEntry.optional().describe('the signed role-set for this member (required when the key log lists them as active)') }),
  z.strictObject({ reset: z.literal(true) }),
]);
export const PatchedStaff = z.object({
  staffId: z.string(),
  status: staffStatus,
  role: staffRole,
  inviteToken: z.string().optional().describe('reset only: the one-time re-enrolment token'),
  expiresAt: z.number().int().optional(),
  signedOut: z.number().int().optional().describe('sessions revoked by this change'),
  keyLogSeq: z.number().int().optional().describe('seq of the key-log entry appended with this change'),
});

export const GrantsBody = z.strictObject({
  grants: z
    .array(z.strictObject({ staffId: idSchema, teamKeyVersion, sealed: sealedKey }))
    .min(1)
    .max(MAX_GRANTS),
});
export const GrantsStored = z.object({ stored: z.number().int() });

export const AuditQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(100),
  who: idSchema.optional().describe('only rows whose actor is this staffId'),
  what: z
    .string()
    .regex(/^[a-z0-9_.-]{1,64}$/)
    .optional()
    .describe('only rows whose action is this or starts with this + "." (e.g. "staff" or "staff.disable")'),
  since: z.coerce.number().int().min(0).optional().describe('only rows at or after this Unix second'),
});
export const AuditEntry = z.object({
  seq: z.number().int(),
  at: z.number().int(),
  actorStaffId: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export const AuditChain = z.object({
  ok: z.boolean(),
  count: z.number().int().describe('rows verified'),
  brokenAt: z.number().int().nullable().describe('seq of the first row whose link or hash does not match'),
});
export const AuditPage = z.object({
  entries: z.array(AuditEntry),
  nextAfter: z.number().int().nullable().describe('pass as `after` for the next page (filters apply to every page)'),
  chain: AuditChain.describe('the whole chain, recomputed by the server on this request'),
});

// ---- desk policy (docs/API.md "Desk policy") ----
export const DeskPolicy = z.object({
  powDifficulty: z.number().int().describe('leading zero bits of each proof of work'),
  retentionDays: z.number().int().describe('closed tickets are deleted this many days after closing'),
  maxAttachmentBytes: z.number().int(),
  maxTicketBytes: z.number().int(),
  quotas: z.object({ openTicketsPerRequester: z.number().int(), messagesPerHour: z.number().int() }),
  twoFactorRequired: z.boolean(),
  editable: z.array(z.enum(['twoFactorRequired'])).describe('what an admin may change at run time (and the route that does it)'),
});

// ---- desk label key (docs/PROTOCOL.md §4.3) ----
/** A desk set up before label keys: an admin commits and wraps L once (before its next rotation). */
export const LabelKeyBody = z.strictObject({
  entry: keyLogEntrySchema.describe('the signed label-key entry'),
  wrap: TeamWrapBody.describe('L sealed to the current team key'),
});
export const LabelKeyStored = z.object({ seq: z.number().int(), hash: z.string() });

// ---- two-factor (docs/API.md "Two-factor sign-in") ----
export const TwoFactorResetBody = z.strictObject({ staffId: idSchema });
export const TwoFactorReset = z.object({ staffId: z.string(), signedOut: z.number().int().describe('sessions revoked') });
export const TwoFactorPolicyBody = z.strictObject({ required: z.boolean() });
export const TwoFactorPolicy = z.object({
  required: z.boolean(),
  signedOut: z.number().int().describe('sessions of members without two-factor revoked when the policy was turned on'),
});

// ---- rotation (SPEC §7) ----
/** ticket = K, note = N, label = the desk label key L (one per desk, `ticketId` null). */
export const WRAP_KEY_KINDS = ['ticket', 'note', 'label'] as const;
/** Why a wrap could not be re-wrapped: it is not a sealed 32-byte key, or it does not open. */
export const SKIP_REASONS = ['malformed', 'does_not_open'] as const;
/** Largest rewrap batch: one transaction, bounded so a batch never holds the write lock for long. */
export const MAX_REWRAP_BATCH = 500;
export const DEFAULT_PENDING_LIMIT = 100;
export const MAX_PENDING_LIMIT = 500;

const wrapKeyKind = z.enum(WRAP_KEY_KINDS);
const skipReason = z.enum(SKIP_REASONS);
/** A label wrap names no ticket; every other wrap names exactly one. */
const wrapOwner = <T extends { keyKind: string; ticketId: string | null }>(w: T) => (w.keyKind === 'label') === (w.ticketId === null);
const wrapOwnerIssue = { message: 'ticketId is null exactly for the label wrap', path: ['ticketId'] };
export const RotationQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PENDING_LIMIT).default(DEFAULT_PENDING_LIMIT),
  cursor: cursorParam.optional(),
});
export const PendingWrap = z.object({ ticketId: idSchema.nullable(), keyKind: wrapKeyKind, teamKeyVersion, sealed: z.string() });
const KindProgress = z.object({ done: z.number().int(), total: z.number().int() });
export const SkippedWrap = z.object({
  ticketId: idSchema.nullable(),
  keyKind: wrapKeyKind,
  teamKeyVersion,
  reason: skipReason,
  skippedAt: unixSeconds,
  skippedBy: z.string().nullable(),
});
export const RotationStatus = z.object({
  currentVersion: teamKeyVersion.nullable(),
  previousVersions: z.array(z.object({ version: teamKeyVersion, wraps: z.number().int(), retired: z.boolean() })),
  pending: z.object({ tickets: z.number().int(), notes: z.number().int(), labels: z.number().int() }).describe('wraps still to re-wrap (skipped ones excluded)'),
  progress: z
    .object({ ticket: KindProgress, note: KindProgress, label: KindProgress })
    .describe('per key kind: keys with a wrap for the current version (done) of all keys (total); skipped keys count in total, not in done'),
  skipped: z.array(SkippedWrap).describe('wraps an admin reported as impossible to re-wrap, with the reason; they are lost when the old version retires'),
  batch: z.array(PendingWrap),
  nextCursor: z.string().nullable(),
  staffWithoutGrant: z.array(z.object({ staffId: z.string(), username: z.string(), boxPk: z.string() })),
});
export const RewrapBody = z.strictObject({
  wraps: z
    .array(z.strictObject({ ticketId: idSchema.nullable(), keyKind: wrapKeyKind, teamKeyVersion, sealed: sealedKey }).refine(wrapOwner, wrapOwnerIssue))
    .min(1)
    .max(MAX_REWRAP_BATCH),
});
export const Rewrapped = z.object({ written: z.number().int() });
export const SkipWrapsBody = z.strictObject({
  wraps: z
    .array(z.strictObject({ ticketId: idSchema.nullable(), keyKind: wrapKeyKind, teamKeyVersion, reason: skipReason }).refine(wrapOwner, wrapOwnerIssue))
    .min(1)
    .max(MAX_REWRAP_BATCH),
});
export const WrapsSkipped = z.object({ skipped: z.number().int() });

// ---- types (z.input for what a client sends, z.infer for what it receives) ----
export type InviteBody = z.input<typeof InviteBody>;
export type Invite = z.infer<typeof Invite>;
export type StaffRow = z.infer<typeof StaffRow>;
export type StaffList = z.infer<typeof StaffList>;
export type StaffState = z.infer<typeof staffState>;
export type PendingInvite = z.infer<typeof PendingInvite>;
export type InviteParams = z.input<typeof InviteParams>;
export type InviteCancelled = z.infer<typeof InviteCancelled>;
export type StaffParams = z.input<typeof StaffParams>;
export type StaffPatchBody = z.input<typeof StaffPatchBody>;
export type PatchedStaff = z.infer<typeof PatchedStaff>;
export type GrantsBody = z.input<typeof GrantsBody>;
export type GrantsStored = z.infer<typeof GrantsStored>;
export type AuditQuery = z.input<typeof AuditQuery>;
export type AuditEntry = z.infer<typeof AuditEntry>;
export type AuditChain = z.infer<typeof AuditChain>;
export type AuditPage = z.infer<typeof AuditPage>;
export type DeskPolicy = z.infer<typeof DeskPolicy>;
export type LabelKeyBody = z.input<typeof LabelKeyBody>;
export type LabelKeyStored = z.infer<typeof LabelKeyStored>;
export type TwoFactorResetBody = z.input<typeof TwoFactorResetBody>;
export type TwoFactorReset = z.infer<typeof TwoFactorReset>;
export type TwoFactorPolicyBody = z.input<typeof TwoFactorPolicyBody>;
export type TwoFactorPolicy = z.infer<typeof TwoFactorPolicy>;
export type RotationQuery = z.input<typeof RotationQuery>;
export type PendingWrap = z.infer<typeof PendingWrap>;
export type RotationStatus = z.infer<typeof RotationStatus>;
export type RewrapBody = z.input<typeof RewrapBody>;
export type Rewrapped = z.infer<typeof Rewrapped>;
export type WrapKeyKind = (typeof WRAP_KEY_KINDS)[number];
export type SkipReason = (typeof SKIP_REASONS)[number];
export type SkippedWrap = z.infer<typeof SkippedWrap>;
export type SkipWrapsBody = z.input<typeof SkipWrapsBody>;
export type WrapsSkipped = z.infer<typeof WrapsSkipped>;
