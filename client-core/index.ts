// The client core's public surface: what a requester's or a staff member's client does, with no
// DOM, no Node and no network. The browser's crypto worker and the staff CLI both call exactly
// these functions, each with its own Vault; each drives its own HTTP calls around them.
export { ready } from '../protocol';
export { CoreError, type CoreErrorCode } from './errors';
export { createVault, lockStaff, wipeVault, type Vault } from './vault';
export { initDesk, recordKeyLogEntry, signNextEntry, trustKeyLog, type KeyLogCheck } from './keylog';
export { openForDisplay, TRUSTED_STATUSES, type DisplayMessage, type SignatureStatus, type Viewer } from './display';
export {
  deriveStaffLogin,
  openQueue,
  openStaffThread,
  sealNote,
  sealStaffReply,
  searchOpened,
  staffDirectory,
  unlockStaff,
  type QueueSummary,
  type QueueTicket,
  type StaffTicketKeys,
  type SealedRecord,
  type StaffDirectoryEntry,
  type StaffThreadView,
} from './staff';
export { adoptLabelKey, labelNameOf, labelTagFor, openDeskLabelKey, openLabels, prepareLabelKey, sealLabel, type LabelName } from './labels';
export { newPassphrase, openMyTickets, openRequesterThread, sealNewTicket, sealRequesterReply, signSessionChallenge, unlockRequester, type NewTicketContent } from './requester';
export {
  checkStaffPassword,
  checkStaffSecret,
  newStaffPassphrase,
  prepareActivation,
  prepareSetup,
  STAFF_PASSWORD_MIN_CHARS,
  STAFF_USERNAME,
  type SetupRequest,
  type StaffSecret,
} from './enrol';
export { grantCurrentTeamKey, prepareAdmission, staffFingerprint, type Admission, type GrantUpload, type StaffAccount } from './admission';
export {
  grantsForMembersWithout,
  holdsTeamKey,
  nextRotationStep,
  prepareNewTeamKey,
  retireEntry,
  rewrapBatch,
  rotationProgress,
  versionsToRetire,
  type FailedWrap,
  type RotationProgress,
  type RotationStep,
  type StaffWithoutGrant,
} from './rotation';
export { auditView, inviteBody, prepareDisable, prepareReset, prepareRoleChange, rosterView, type AuditView, type RosterEntry } from './team';
export { foldForSearch, searchTerms, searchTickets, type SearchDoc, type SearchField, type SearchHit } from './search';
export {
  checkAttachmentLimits,
  downloadAttachment,
  inlineChunkCipher,
  openAttachmentList,
  prepareUpload,
  uploadAttachment,
  type AttachmentLimits,
  type AttachmentTicket,
  type AttachmentView,
  type ChunkCipher,
  type DownloadTransport,
  type LimitProblem,
  type PreparedUpload,
  type TransferOptions,
  type TransferProgress,
  type UploadSource,
  type UploadTransport,
} from './attachments';
