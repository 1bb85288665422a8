// SPEC §5 attachment metadata {name, type, size, F}: sealed like a message, under K, with kind
// `attachment` in the AD and the attachment id in the message-id slot. Who can decrypt: holders
// of K (the requester and staff through the team key).
import type { MessageEnvelope } from './envelope';
import { toB64 } from './encoding';
import { asFileKey } from './keys';
import { openRecord, sealRecord, verifyMessageSignature } from './message';
import { ATTACHMENT_META_PAYLOAD } from './payloads';
import type { FileKey, SignPublicKey, SignSecretKey, TicketKey } from './types';

export interface AttachmentMeta {
  readonly name: string;
  readonly type: string;
  readonly size: number;
  readonly fileKey: FileKey;
}

export function sealAttachmentMeta(input: { ticketId: string; attachmentId: string; key: TicketKey; meta: AttachmentMeta; authorSignSk: SignSecretKey }): MessageEnvelope {
  const { name, type, size, fileKey } = input.meta;
  return sealRecord(
    ATTACHMENT_META_PAYLOAD,
    'attachment',
    { ticketId: input.ticketId, messageId: input.attachmentId },
    input.key,
    { v: 1, name, type, size, fileKey: toB64(fileKey) },
    input.authorSignSk,
  );
}

export function openAttachmentMeta(input: { ticketId: string; attachmentId: string; key: TicketKey; envelope: unknown; authorSignPk: SignPublicKey }): AttachmentMeta {
  const p = openRecord(ATTACHMENT_META_PAYLOAD, 'attachment', { ticketId: input.ticketId, messageId: input.attachmentId }, input.key, input.envelope, input.authorSignPk);
  return { name: p.name, type: p.type, size: p.size, fileKey: asFileKey(p.fileKey) };
}

/**
 * Signature check without K: what the server runs before accepting an upload, so metadata that
 * every client would show as forged is refused at the door (400 bad_signature).
 */
export function verifyAttachmentMetaSignature(input: { ticketId: string; attachmentId: string; envelope: unknown; authorSignPk: SignPublicKey }): void {
  verifyMessageSignature({ kind: 'attachment', ticketId: input.ticketId, messageId: input.attachmentId, envelope: input.envelope, authorSignPk: input.authorSignPk });
}
