// Admin routes: /api/admin… (invites, staff, grants, audit, rotation). Every one needs an admin
// the key log vouches for (docs/API.md "Authorization").
import { z } from 'zod';
import { cursorParam, idSchema, sealedKey, staffRole, staffStatus, teamKeyVersion } from './common';
import { username } from './staff';

export const MAX_GRANTS = 500;
export const AUDIT_PAGE_MAX = 500;

export const InviteBody = z.strictObject({ username, role: staffRole });
export const Invite = z.object({ inviteToken: z.string(), expiresAt: z.number().int() });

export const StaffRow = z.object({
  staffId: z.string(),
  username: z.string(),
  role: staffRole,
  status: staffStatus,
  boxPk: z.string().nullable(),
  signPk: z.string().nullable(),
  admitted: z.boolean(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export const StaffList = z.object({ staff: z.array(StaffRow) });

export const StaffParams = z.strictObject({ id: idSchema });
export const StaffPatchBody = z.union([
  z.strictObject({ status: z.enum(['disabled', 'active']) }),
  z.strictObject({ role: staffRole }),
  z.strictObject({ reset: z.literal(true) }),
]);
export const PatchedStaff = z.object({
  staffId: z.string(),
  status: staffStatus,
  role: staffRole,
  inviteToken: z.string().optional().describe('reset only: the one-time re-enrolment token'),
  expiresAt: z.number().int().optional(),
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
export const AuditPage = z.object({ entries: z.array(AuditEntry), nextAfter: z.number().int().nullable() });

// ---- two-factor (docs/API.md "Two-factor sign-in") ----
export const TwoFactorResetBody = z.strictObject({ staffId: idSchema });
export const TwoFactorReset = z.object({ staffId: z.string(), signedOut: z.number().int().describe('sessions revoked') });
export const TwoFactorPolicyBody = z.strictObject({ required: z.boolean() });
export const TwoFactorPolicy = z.object({
  required: z.boolean(),
  signedOut: z.number().int().describe('sessions of members without two-factor revoked when the policy was turned on'),
});

// ---- rotation (SPEC §7) ----
export const WRAP_KEY_KINDS = ['ticket', 'note'] as const;
/** Largest rewrap batch: one transaction, bounded so a batch never holds the write lock for long. */
export const MAX_REWRAP_BATCH = 500;
export const DEFAULT_PENDING_LIMIT = 100;
export const MAX_PENDING_LIMIT = 500;

const wrapKeyKind = z.enum(WRAP_KEY_KINDS);
export const RotationQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PENDING_LIMIT).default(DEFAULT_PENDING_LIMIT),
  cursor: cursorParam.optional(),
});
export const PendingWrap = z.object({ ticketId: idSchema, keyKind: wrapKeyKind, teamKeyVersion, sealed: z.string() });
export const RotationStatus = z.object({
  currentVersion: teamKeyVersion.nullable(),
  previousVersions: z.array(z.object({ version: teamKeyVersion, wraps: z.number().int(), retired: z.boolean() })),
  pending: z.object({ tickets: z.number().int(), notes: z.number().int() }),
  batch: z.array(PendingWrap),
  nextCursor: z.string().nullable(),
  staffWithoutGrant: z.array(z.object({ staffId: z.string(), username: z.string(), boxPk: z.string() })),
});
export const RewrapBody = z.strictObject({
  wraps: z
    .array(z.strictObject({ ticketId: idSchema, keyKind: wrapKeyKind, teamKeyVersion, sealed: sealedKey }))
    .min(1)
    .max(MAX_REWRAP_BATCH),
});
export const Rewrapped = z.object({ written: z.number().int() });

// ---- types (z.input for what a client sends, z.infer for what it receives) ----
export type InviteBody = z.input<typeof InviteBody>;
export type Invite = z.infer<typeof Invite>;
export type StaffRow = z.infer<typeof StaffRow>;
export type StaffList = z.infer<typeof StaffList>;
export type StaffParams = z.input<typeof StaffParams>;
export type StaffPatchBody = z.input<typeof StaffPatchBody>;
export type PatchedStaff = z.infer<typeof PatchedStaff>;
export type GrantsBody = z.input<typeof GrantsBody>;
export type GrantsStored = z.infer<typeof GrantsStored>;
export type AuditQuery = z.input<typeof AuditQuery>;
export type AuditEntry = z.infer<typeof AuditEntry>;
export type AuditPage = z.infer<typeof AuditPage>;
export type TwoFactorResetBody = z.input<typeof TwoFactorResetBody>;
export type TwoFactorReset = z.infer<typeof TwoFactorReset>;
export type TwoFactorPolicyBody = z.input<typeof TwoFactorPolicyBody>;
export type TwoFactorPolicy = z.infer<typeof TwoFactorPolicy>;
export type RotationQuery = z.input<typeof RotationQuery>;
export type PendingWrap = z.infer<typeof PendingWrap>;
export type RotationStatus = z.infer<typeof RotationStatus>;
export type RewrapBody = z.input<typeof RewrapBody>;
export type Rewrapped = z.infer<typeof Rewrapped>;
