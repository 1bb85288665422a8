// The contract between the page and the crypto worker. Shared by crypto-client.ts (page side)
// and worker.ts (worker side) so both are checked by the compiler against one table.
//
// SECURITY: secret keys never appear in these types. The worker keeps the requester's keypairs,
// the staff key-encryption key, staff secret keys, team keys and ticket keys in its own memory;
// the page gets public keys, signatures, sealed bodies and decrypted text to display.
import type {
  Attachment,
  B64,
  CreateTicketBody,
  GrantUpload,
  KeyLogEntry,
  LabelEntry,
  LabelKeyBody,
  LabelSealedName,
  Message,
  MessageEnvelope,
  PendingWrap,
  RequesterTicket,
  RotationStatus,
  StaffList,
  StaffPatchBody,
  StaffRow,
  StaffTicket,
  TeamWrap,
} from './api';
import type { NewTicketContent as CoreTicketContent, SetupRequest } from '../../client-core';
import type { StaffEnrolment } from '../../protocol';

// What the worker shows the page is defined once, by the client core (the CLI prints the same).
export type { DisplayMessage, KeyLogCheck, LabelName, QueueSummary, SearchHit, SetupRequest, SignatureStatus, StaffDirectoryEntry } from '../../client-core';
export type { StaffEnrolment } from '../../protocol';
export type { MetadataKind } from '../../client-core/metadata';
import type { MetadataKind } from '../../client-core/metadata';
import type { AttachmentView as CoreAttachmentView } from '../../client-core';

/** What the worker found in a picked file before sending (metadata it will strip, or cannot). */
export interface AttachmentInspection {
  status: 'cleaned' | 'unsupported' | 'failed';
  removed: MetadataKind[];
}
/** One of a ticket's files as the page shows it: no file key (that stays in the worker). */
export type AttachmentView = Omit<CoreAttachmentView, 'uploader' | 'decryptFailed'> & { uploader: 'requester' | 'staff'; failed: boolean };
// The leaf module, not the core's index: the page must not pull libsodium into its bundle.
export { STAFF_PASSWORD_MIN_CHARS, STAFF_USERNAME } from '../../client-core/rules';
import type { DisplayMessage, KeyLogCheck, LabelName, QueueSummary, SearchHit, StaffDirectoryEntry } from '../../client-core';

export type Category = 'hacked_account' | 'malware' | 'phishing' | 'censorship' | 'other';
export const CATEGORIES: readonly Category[] = ['hacked_account', 'malware', 'phishing', 'censorship', 'other'];

/** What the requester types into the form (the core's shape, with the form's categories). */
export type NewTicketContent = CoreTicketContent & { category: Category };
export type { Attachment };

export interface TicketSummary {
  ticketId: string;
  subject: string | null;
  opened: boolean;
}

export interface RpcMethods {
  init: { params: { deskId: string }; result: { ok: true } };
  verifyKeyLog: { params: { entries: KeyLogEntry[]; pinnedFingerprint: string | null }; result: KeyLogCheck };
  generatePassphrase: { params: Record<string, never>; result: { passphrase: string } };
  deriveRequesterKeys: { params: { passphrase: string }; result: { boxPk: B64; signPk: B64 } };
  solvePow: { params: { challenge: string; difficulty: number }; result: { nonce: B64 } };
  signRequesterChallenge: { params: { challenge: string }; result: { sig: B64 } };
  createTicket: { params: { content: NewTicketContent }; result: Omit<CreateTicketBody, 'pow'> };
  openMyTickets: { params: { tickets: RequesterTicket[] }; result: { opened: string[]; failed: string[] } };
  openThread: { params: { ticketId: string; messages: Message[] }; result: { messages: DisplayMessage[] } };
  sealReply: { params: { ticketId: string; body: string; lang: string }; result: { messageId: string; envelope: MessageEnvelope } };
  staffDeriveSecrets: {
    params: { password: string; salt: B64; opslimit: number; memlimit: number };
    result: { authSecret: B64 };
  };
  staffUnlock: {
    params: { staffId: string; keyBlob: unknown; grants: { teamKeyVersion: number; sealedKey: B64 }[]; labelKeyWraps?: { teamKeyVersion: number; sealedKey: B64 }[] };
    /** labels: false when the key log commits to a label key none of the wraps opens to. Fails with `awaiting_admission` when the verified log does not list these keys yet. */
    result: { teamKeyVersions: number[]; labels: boolean };
  };
  staffDirectory: { params: Record<string, never>; result: { staff: StaffDirectoryEntry[] } };
  staffOpenQueue: { params: { tickets: StaffTicket[] }; result: { summaries: QueueSummary[] } };
  /** canWriteNotes is false when the ticket's N is sealed to a team key this member lacks. */
  staffOpenTicket: { params: { ticket: StaffTicket; messages: Message[] }; result: { messages: DisplayMessage[]; canWriteNotes: boolean } };
  staffSealNote: { params: { ticketId: string; body: string }; result: { messageId: string; envelope: MessageEnvelope; noteWrap?: TeamWrap } };
  staffOpenLabels: { params: { entries: LabelEntry[] }; result: { labels: LabelName[]; unreadable: number } };
  staffSealLabel: { params: { name: string }; result: { tag: B64; name: string; sealedName: LabelSealedName } };
  staffSearch: { params: { query: string; categoryNames?: Record<string, string> }; result: { hits: SearchHit[]; searched: number } };
  staffSealReply: { params: { ticketId: string; body: string; lang: string }; result: { messageId: string; envelope: MessageEnvelope } };
  /** First admin (as `cli setup`): needs init({deskId}); fingerprint = hash of the signed genesis. */
  /** `generated`: the password is the passphrase generatePassphrase made (light Argon2id, PROTOCOL §3). */
  staffPrepareSetup: { params: { username: string; password: string; generated?: boolean }; result: { request: SetupRequest; fingerprint: B64 } };
  /** Invited member: staffId from the invite (re-enrolment) or null to choose a fresh one. */
  staffPrepareActivation: {
    params: { staffId: string | null; password: string; generated?: boolean };
    result: { staffId: string; enrolment: StaffEnrolment; keyFingerprint: string };
  };
  // ---- admin (client-core admission.ts, team.ts, rotation.ts, labels.ts; the server checks every step again) ----
  /** The staff list as the console shows it: state, key fingerprint (one display form), key-log standing. */
  adminRoster: { params: { list: StaffList }; result: { roster: RosterEntry[] } };
  /**
   * Compares what the member read out with the keys the desk holds (case, spaces and dashes
   * ignored) and, only on a match, signs the staff-add (null when the log already lists exactly
   * these keys). A mismatch fails with code `fingerprint_differs`, whose message names no fingerprint.
   */
  adminPrepareAdmission: { params: { member: AdmissionMember; readOut: string }; result: { staffAdd: KeyLogEntry | null } };
  /** The current team key sealed to the box key the VERIFIED log lists for the member. */
  adminGrantCurrentTeamKey: { params: { staffId: string }; result: { grant: GrantUpload } };
  /** PATCH body for a disable, with the signed staff-remove when the log lists the member as active. */
  adminPrepareDisable: { params: { staffId: string }; result: { body: StaffPatchBody; entry: KeyLogEntry | null } };
  /** PATCH body for a role change, with the signed role-set when the log lists the member as active. */
  adminPrepareRoleChange: { params: { staffId: string; role: 'admin' | 'technician' }; result: { body: StaffPatchBody; entry: KeyLogEntry | null } };
  /** Adopts an entry the server accepted (POST /api/keylog, or a PATCH that appended it). */
  adminRecordEntry: { params: { entry: KeyLogEntry }; result: { ok: true } };
  /** The next rotation step from the server's state and the verified log alone (resumable anywhere). */
  adminRotationStep: { params: { status: RotationStatus; start: boolean }; result: { step: RotationStep } };
  /** Team key v+1 and its signed team-key entry (the secret stays in the worker). */
  adminRotationBegin: { params: Record<string, never>; result: { version: number; entry: KeyLogEntry } };
  /** Grants of `version` for the members the server lists without one (box keys from the verified log). */
  adminRotationGrants: { params: { version: number; members: RotationStatus['staffWithoutGrant'] }; result: { grants: GrantUpload[] } };
  /** One batch of pending wraps opened with the older key and sealed to `version`; what fails, with why. */
  adminRewrapBatch: { params: { batch: PendingWrap[]; version: number }; result: { wraps: PendingWrap[]; failed: FailedWrap[] } };
  /** A signed team-key-retire for `version`. */
  adminRetireEntry: { params: { version: number }; result: { entry: KeyLogEntry } };
  /** For a desk without a label-key entry: the commitment and wrap of the key its labels use (null if it has one). */
  adminPrepareLabelKey: { params: Record<string, never>; result: { body: LabelKeyBody | null } };
  /** After POST /api/admin/label-key: adopt the entry and keep L open. */
  adminAdoptLabelKey: { params: { body: LabelKeyBody }; result: { ok: true } };
  wipe: { params: Record<string, never>; result: { ok: true } };
  /** Reads an image picked for attaching and says what metadata sending it would remove. */
  inspectAttachment: { params: { file: Blob }; result: AttachmentInspection };
  /**
   * Strips (unless keepOriginal), encrypts and uploads `file` to the ticket, resuming by itself
   * after a dropped connection; progress events 'upload' and 'upload-retry'. Needs the ticket
   * opened in this worker (its K) and the session token for the chunk calls.
   */
  uploadAttachment: { params: { uploadId: string; token: string; ticketId: string; file: File; keepOriginal: boolean }; result: { attachmentId: string } };
  cancelUpload: { params: { uploadId: string }; result: { ok: true } };
  /** Verifies and opens the metadata of a ticket's attachments; the worker keeps them for downloads. */
  openAttachments: { params: { ticketId: string; attachments: Attachment[] }; result: { attachments: AttachmentView[] } };
  /** Downloads and decrypts one attachment into a Blob; `image` is true when its bytes are a JPEG/PNG/WebP/GIF. */
  downloadAttachment: { params: { token: string; ticketId: string; attachmentId: string; purpose: 'preview' | 'save' }; result: { blob: Blob; image: boolean } };
}

import type { FailedWrap, RosterEntry, RotationStep } from '../../client-core';
export type { FailedWrap, RosterEntry, RotationStep } from '../../client-core';
export type AdmissionMember = Pick<StaffRow, 'staffId' | 'username' | 'role' | 'status' | 'boxPk' | 'signPk'>;

export type RpcMethod = keyof RpcMethods;

export type ProgressEvent =
  /** kdf start carries the worker's estimate of the derivation's duration (Argon2id cannot report progress). */
  | { kind: 'kdf'; stage: 'start'; expectedMs: number }
  | { kind: 'kdf'; stage: 'done' }
  | { kind: 'pow'; attempts: number }
  | { kind: 'upload'; sent: number; total: number }
  /** The connection dropped: the worker waits and resumes (sending only the missing chunks). */
  | { kind: 'upload-retry'; sent: number; total: number }
  | { kind: 'download'; done: number; total: number };

export type ToWorker = { [M in RpcMethod]: { id: number; method: M; params: RpcMethods[M]['params'] } }[RpcMethod];

export type FromWorker =
  { id: number; type: 'result'; result: unknown } | { id: number; type: 'error'; code: string; message: string } | { id: number; type: 'progress'; progress: ProgressEvent };
