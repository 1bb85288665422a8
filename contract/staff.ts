// Staff accounts, the queue, the staff thread and labels: /api/staff…
import { z } from 'zod';
import { HASH_BYTES, KEY_BYTES, STAFF_SALT_BYTES, STAFF_USERNAME_PATTERN } from '../protocol/constants';
import { labelNameEnvelopeV1 } from '../protocol/labels';
import { b64OfLength } from '../protocol/schemas';
import { staffKeyBlobV1 } from '../protocol/staff';
import { cursorParam, Envelope, idSchema, Message, messageKind, publicKey, staffRole, staffStatus, TeamWrap, TeamWrapBody, ticketPriority, ticketStatus } from './common';
import { TICKET_STATUSES } from '../db/schema';

/**
 * Lower-case ASCII usernames. Keeping them canonical means there is one spelling per account
 * (no "Ana" vs "ana" twins) and the fake prelogin salt is keyed on exactly what is stored.
 * SECURITY: login uses this pattern too. A 400 for a name no account can have reveals nothing;
 * accepting "TOM" would (its fake salt would equal that of an unknown "tom").
 */
export const username = z.string().regex(STAFF_USERNAME_PATTERN, 'lower-case letters, digits, dot, dash or underscore; 1–64 characters');

/**
 * Argon2id parameters chosen by the member's client. Bounds are libsodium's own limits for
 * crypto_pwhash (opslimit ≥ 1, memlimit ≥ 8 KiB) plus a ceiling the browser can meet; the
 * server's floor (STAFF_KDF_FLOOR, 4 MiB: `kdf_too_weak`) is checked by the enrolling routes.
 */
export const Kdf = z.strictObject({
  salt: b64OfLength(STAFF_SALT_BYTES),
  opslimit: z.number().int().min(1).max(16),
  memlimit: z
    .number()
    .int()
    .min(8192)
    .max(1024 * 1024 * 1024),
});
export const authSecret = b64OfLength(KEY_BYTES);

/** The staff key blob: the protocol's SecretEnvelope v1 (AEAD under kek, AD binds staffId). */
export const KeyBlob = staffKeyBlobV1;

/** What a member's client creates for an account: KDF params, auth secret, keys, sealed blob. */
export const Enrolment = z.strictObject({ kdf: Kdf, authSecret, boxPk: publicKey, signPk: publicKey, keyBlob: KeyBlob });

export const Grant = z.object({ teamKeyVersion: z.number().int(), sealed: z.string() });

// ---- sign-in (SPEC §4, §8) ----
export const PreloginBody = z.strictObject({ username });
export const Prelogin = z.object({
  salt: z.string().describe('16 bytes base64url: the account salt, or a stable fake one'),
  opslimit: z.number().int(),
  memlimit: z.number().int(),
});
/** A current TOTP code: 6 digits (RFC 6238, 30-second steps, SHA-1: what every authenticator app reads). */
export const totpCode = z.string().regex(/^[0-9]{6}$/, 'six digits');
/** A one-time recovery code as shown: 4 groups of 4 base32 characters; case and dashes are optional. */
export const recoveryCode = z.string().regex(/^[A-Za-z2-7]{4}-?[A-Za-z2-7]{4}-?[A-Za-z2-7]{4}-?[A-Za-z2-7]{4}$/, 'a recovery code: XXXX-XXXX-XXXX-XXXX');
/** A second factor: one TOTP code or one recovery code, never both. */
export const SecondFactor = z.union([z.strictObject({ totp: totpCode }), z.strictObject({ recoveryCode })]);
export const LoginBody = z.union([
  z.strictObject({ username, authSecret }),
  z.strictObject({ username, authSecret, totp: totpCode }),
  z.strictObject({ username, authSecret, recoveryCode }),
]);
export const SESSION_SCOPES = ['staff', 'two_factor_enrolment'] as const;
export const StaffSession = z.object({
  token: z.string(),
  expiresAt: z.number().int(),
  staffId: z.string(),
  scope: z
    .enum(SESSION_SCOPES)
    .describe("'staff': a full session; 'two_factor_enrolment': the desk requires two-factor and this member has none — the token only opens /api/staff/two-factor"),
});
export const LoggedOut = z.object({ ok: z.literal(true) });

export const Me = z.object({
  staffId: z.string(),
  username: z.string(),
  role: staffRole,
  status: staffStatus,
  admitted: z.boolean().describe('in the key log with these keys and holding a live grant'),
  kdf: z.object({ salt: z.string(), opslimit: z.number().int(), memlimit: z.number().int() }),
  keyBlob: KeyBlob,
  grants: z.array(Grant),
  labelKeyWraps: z.array(Grant).describe('the desk label key L sealed to each live team key version (docs/PROTOCOL.md §4.3); empty before the desk has one'),
});

// ---- two-factor (docs/API.md "Two-factor sign-in") ----
export const TwoFactorStatus = z.object({
  enabled: z.boolean().describe('a confirmed TOTP factor guards this account'),
  pending: z.boolean().describe('an enrolment was begun and awaits its first code'),
  required: z.boolean().describe('the desk policy requires two-factor for all staff'),
  recoveryCodesLeft: z.number().int(),
});
export const TotpEnrolment = z.object({
  secret: z.string().describe('the TOTP secret, base32 (RFC 4648), for typing into an authenticator'),
  uri: z.string().describe('otpauth://totp/… key URI; draw it as a QR code locally'),
  algorithm: z.literal('SHA1'),
  digits: z.literal(6),
  period: z.literal(30),
});
export const ConfirmTotpBody = z.strictObject({ totp: totpCode });
export const TotpConfirmed = z.object({
  recoveryCodes: z.array(z.string()).describe('shown once: each opens one sign-in without the authenticator'),
  session: StaffSession.nullable().describe('a full session, replacing an enrolment-only one; null when called from a full session'),
});
export const DisableTwoFactorBody = SecondFactor;
export const TwoFactorDisabled = z.object({ ok: z.literal(true), signedOut: z.literal(true).describe('every session of the member was revoked') });

export const inviteToken = z.string().min(1).max(128);
export const InviteLookupBody = z.strictObject({ inviteToken });
export const InviteInfo = z.object({
  username: z.string(),
  role: staffRole,
  staffId: z.string().nullable().describe('the existing id for a re-enrolment; null for a new member, who chooses one'),
  expiresAt: z.number().int(),
});
export const ActivateBody = z.strictObject({ inviteToken, staffId: idSchema, ...Enrolment.shape });
export const Activated = z.object({ staffId: z.string(), username: z.string(), role: staffRole });

// ---- queue and triage ----
/** A blind label tag: BLAKE2b-256-keyed(L, name), base64url. */
export const LabelTag = b64OfLength(HASH_BYTES).describe('blind label tag (BLAKE2b-256 keyed with the label key), base64url');
export const MAX_LABELS_PER_TICKET = 32;

export const QueueQuery = z.strictObject({
  status: ticketStatus.optional(),
  priority: ticketPriority.optional(),
  assignee: z
    .union([z.literal('mine'), z.literal('unassigned'), idSchema])
    .optional()
    .describe("a staff id, 'mine' (the caller) or 'unassigned'"),
  label: LabelTag.optional(),
  sort: z
    .enum(['activity', 'newest'])
    .default('activity')
    .describe("'activity' (default): last activity first — a thread message from either side or a status change; 'newest': newest ticket first"),
  cursor: cursorParam.optional().describe('nextCursor of the previous page, with the same sort; opaque'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const TriageBody = z
  .strictObject({
    status: ticketStatus.optional(),
    priority: ticketPriority.optional(),
    assigneeId: idSchema.nullable().optional().describe('an active staff member, or null to unassign'),
    labels: z.array(LabelTag).max(MAX_LABELS_PER_TICKET).optional().describe('replaces the ticket’s whole tag set'),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'change at least one field' });

export const StaffTicket = z.object({
  ticketId: z.string(),
  status: ticketStatus,
  priority: ticketPriority,
  assigneeId: z.string().nullable(),
  labels: z.array(z.string()),
  createdAt: z.number().int(),
  updatedAt: z.number().int().describe('last activity: the last thread message (a requester’s rounded down to the hour) or status change; notes and other triage leave it alone'),
  closedAt: z.number().int().nullable(),
  firstMessage: Message,
  teamWrap: TeamWrap.describe('K sealed to the newest team key version this ticket has a wrap for'),
  noteWrap: TeamWrap.nullable().describe('N sealed to the team key; null until the first internal note'),
  requesterSignPk: z.string(),
  awaitingStaff: z.boolean().describe("the last thread message (notes aside) is the requester's: the team owes an answer"),
  requesterReplied: z.boolean().describe('awaitingStaff, and a staff member had answered before: the requester wrote back'),
});

export const StatusCounts = z
  .object(Object.fromEntries(TICKET_STATUSES.map((s) => [s, z.number().int()])) as Record<(typeof TICKET_STATUSES)[number], z.ZodNumber>)
  .describe('tickets per status matching every filter except status');
export const QueuePage = z.object({ tickets: z.array(StaffTicket), nextCursor: z.string().nullable(), counts: StatusCounts });

// ---- the staff thread (/api/staff/tickets/:id/messages) ----
export const StaffThread = z.object({
  ticket: z.object({
    ticketId: idSchema,
    status: ticketStatus,
    requesterSignPk: z.string().describe('verify requester-authored messages against this key'),
    teamWrap: TeamWrap.nullable().describe('newest team wrap of K'),
    noteWrap: TeamWrap.nullable().describe('newest team wrap of N, null before the first note'),
  }),
  messages: z.array(Message).describe('thread messages and internal notes, in order'),
});
export const StaffPostMessageBody = z.strictObject({
  messageId: idSchema,
  kind: messageKind,
  envelope: Envelope,
  noteWrap: TeamWrapBody.optional().describe('first note of a ticket only: N sealed to the current team key'),
});
export const StaffPostedMessage = z.object({ messageId: idSchema, createdAt: z.number().int(), seq: z.number().int() });

// ---- labels (SPEC §5) ----
export const SealedLabelName = labelNameEnvelopeV1.describe('the label name sealed under the label key L, AD "sealdesk/v1/label|" + tag');
export const CreateLabelBody = z.strictObject({ tag: LabelTag, sealedName: SealedLabelName });
export const LabelEntry = z.object({
  tag: z.string(),
  sealedName: z.object({ v: z.literal(1), nonce: z.string(), ct: z.string() }),
  createdAt: z.number().int(),
});
export const Labels = z.object({ labels: z.array(LabelEntry) });

// ---- types (z.input for what a client sends, z.infer for what it receives) ----
export type Kdf = z.input<typeof Kdf>;
export type KeyBlob = z.input<typeof KeyBlob>;
export type Enrolment = z.input<typeof Enrolment>;
export type Grant = z.infer<typeof Grant>;
export type PreloginBody = z.input<typeof PreloginBody>;
export type Prelogin = z.infer<typeof Prelogin>;
export type LoginBody = z.input<typeof LoginBody>;
export type StaffSession = z.infer<typeof StaffSession>;
export type LoggedOut = z.infer<typeof LoggedOut>;
export type Me = z.infer<typeof Me>;
export type SessionScope = (typeof SESSION_SCOPES)[number];
export type SecondFactor = z.input<typeof SecondFactor>;
export type TwoFactorStatus = z.infer<typeof TwoFactorStatus>;
export type TotpEnrolment = z.infer<typeof TotpEnrolment>;
export type ConfirmTotpBody = z.input<typeof ConfirmTotpBody>;
export type TotpConfirmed = z.infer<typeof TotpConfirmed>;
export type DisableTwoFactorBody = z.input<typeof DisableTwoFactorBody>;
export type TwoFactorDisabled = z.infer<typeof TwoFactorDisabled>;
export type InviteLookupBody = z.input<typeof InviteLookupBody>;
export type InviteInfo = z.infer<typeof InviteInfo>;
export type ActivateBody = z.input<typeof ActivateBody>;
export type Activated = z.infer<typeof Activated>;
export type LabelTag = z.infer<typeof LabelTag>;
export type QueueQuery = z.input<typeof QueueQuery>;
export type TriageBody = z.input<typeof TriageBody>;
export type StaffTicket = z.infer<typeof StaffTicket>;
export type StatusCounts = z.infer<typeof StatusCounts>;
export type QueuePage = z.infer<typeof QueuePage>;
export type StaffThread = z.infer<typeof StaffThread>;
export type StaffPostMessageBody = z.input<typeof StaffPostMessageBody>;
export type StaffPostedMessage = z.infer<typeof StaffPostedMessage>;
export type SealedLabelName = z.input<typeof SealedLabelName>;
export type CreateLabelBody = z.input<typeof CreateLabelBody>;
export type LabelEntry = z.infer<typeof LabelEntry>;
export type Labels = z.infer<typeof Labels>;
