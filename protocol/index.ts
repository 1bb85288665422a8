// The sealdesk protocol module's public surface (docs/DECISIONS.md "Protocol module API").
// Call `await ready()` once before anything else. Functions suffixed WithNonce/WithId and
// requesterMaster are deliberately NOT exported here: they exist only for known-answer vectors.

export { ready } from './sodium';
export * from './errors';
export * from './types';
export * from './constants';
export { toB64, fromB64, utf8, fromUtf8, type B64 } from './encoding';
export { ID_PATTERN, idSchema, b64Schema, b64OfLength } from './schemas';
export { constantTimeEqual } from './primitives';
export { padPlaintext, unpadPlaintext } from './padding';
export { messageEnvelopeV1, secretEnvelopeV1, parseMessageEnvelope, parseSecretEnvelope, type MessageEnvelope, type SecretEnvelope } from './envelope';
export { messageAd, requesterSessionMessage } from './aad';
export {
  asAuthSecret,
  asBoxPublicKey,
  asBoxSecretKey,
  asFileKey,
  asKek,
  asLabelKey,
  asNoteKey,
  asPowMacKey,
  asSignPublicKey,
  asSignSecretKey,
  asTeamPublicKey,
  asTeamSecretKey,
  asTicketKey,
  boxKeyPairFromSecret,
  generateTeamKey,
  newFileKey,
  newId,
  newNoteKey,
  newPowMacKey,
  newTicketKey,
  signKeyPairFromSecret,
  teamKeyPairFromSecret,
} from './keys';
export {
  PASSPHRASE_WORDS,
  REQUESTER_KDF,
  estimateArgon2idMs,
  deriveRequesterKeys,
  generatePassphrase,
  isGeneratedPassphrase,
  normalisePassphrase,
  requesterSalt,
  signRequesterChallenge,
  verifyRequesterChallenge,
} from './requester';
export {
  AUTH_HASH_KDF,
  STAFF_KDF_FLOOR,
  STAFF_PASSPHRASE_KDF,
  STAFF_PASSWORD_KDF,
  deriveStaffSecrets,
  enrolStaffKeys,
  generateStaffKeys,
  generateStaffPassphrase,
  staffKdfFor,
  staffKdfInput,
  hashAuthSecret,
  newStaffSalt,
  openStaffKeyBlob,
  sealStaffKeyBlob,
  staffKeyFingerprint,
  verifyAuthSecret,
  type StaffEnrolment,
  type StaffKeyBlob,
  type StaffKeys,
} from './staff';
export {
  firstMessagePayloadV1,
  replyPayloadV1,
  notePayloadV1,
  attachmentMetaPayloadV1,
  isFirstMessage,
  type AttachmentMetaPayload,
  type FirstMessagePayload,
  type MessagePayload,
  type NotePayload,
  type ReplyPayload,
} from './payloads';
export { openMessage, sealMessage, verifyMessageSignature, type OpenMessageInput, type SealMessageInput } from './message';
export {
  openRequesterWrap,
  openTeamWrap,
  parseRequesterWrap,
  parseTeamWrap,
  rewrapForRotation,
  wrapKeyForRequester,
  wrapKeyForTeam,
  type RequesterWrap,
  type TeamWrap,
} from './wrap';
export { createTicket, ticketSubmission, type CreateTicketInput, type CreatedTicket, type TicketSubmission } from './ticket';
export { openGrant, sealGrant } from './team';
export { deriveLabelKey, labelTag, normaliseLabelName, openLabelName, sealLabelName } from './labels';
export {
  attachmentChunkAd,
  attachmentChunkCount,
  attachmentLayout,
  chunkCipherBytes,
  chunkPlainBytes,
  decryptAttachment,
  decryptAttachmentChunk,
  encryptAttachment,
  encryptAttachmentChunk,
  isAttachmentChunkSize,
  isPaddedAttachmentSize,
  openBodyChunk,
  paddedAttachmentSize,
  plainChunks,
  SourceSizeError,
  type AttachmentLayout,
  type ByteSource,
  type ChunkPlace,
} from './attachment';
export { openAttachmentMeta, sealAttachmentMeta, verifyAttachmentMetaSignature, type AttachmentMeta } from './attachment-meta';
export {
  KEYLOG_BODIES,
  KEYLOG_TYPES,
  keyLogEntrySchema,
  roleSchema,
  type KeyLogBodies,
  type KeyLogEntry,
  type KeyLogType,
  type StaffRole,
  type UnsignedKeyLogEntry,
} from './keylog-schema';
export {
  applyKeyLogEntry,
  buildGenesisEntry,
  buildKeyLogEntry,
  canonicalEntryBytes,
  deskFingerprint,
  entryHash,
  nextTeamKeyVersion,
  signKeyLogEntry,
  teamPublicKeyOf,
  verifyKeyLog,
  type KeyLogState,
  type StaffRecord,
  type TeamKeyRecord,
} from './keylog';
export { POW_MAX_DIFFICULTY, issuePowChallenge, leadingZeroBits, readPowChallenge, solvePow, verifyPow, type PowOptions, type PowPayload } from './pow';

// Issue 10 (trust that survives change, fingerprints read aloud, labels across rotation) and
// issue 13 §5 (wire strictness). Kept in one block so other rooms' export lines merge cleanly.
export { isCanonicalB64, b64DecodedLength } from './encoding';
export { sealedKeySchema, paddedCiphertextSchema, isPaddedCiphertextLength, ciphertextOfPlaintextBytes } from './schemas';
export { secretEnvelopeWith } from './envelope';
export { teamWrapSchema, requesterWrapSchema } from './wrap';
export { STAFF_KEY_BLOB_PLAINTEXT_BYTES, staffKeyBlobV1, staffKeyFingerprintHash } from './staff';
export { newLabelKey } from './keys';
export { labelKeyCommitment, labelNameEnvelopeV1, openLabelKeyWrap } from './labels';
export { type StaffKeyPeriod } from './keylog';
export { classifyStaffSigner, identifyStaffSigner, type StaffSignerCandidate, type StaffSignerStatus } from './signers';
export { FINGERPRINT_HASH_BYTES, fingerprintsMatch, formatFingerprint, normaliseFingerprint } from './fingerprint';
