// Plaintext payload schemas (what is inside the ciphertexts). Each payload carries its own `v`
// and is parsed through a version table after decryption: authenticated bytes are still input.
import { z } from 'zod';
import { versionTable, type VersionTable } from './envelope';
import { b64OfLength } from './schemas';
import { KEY_BYTES } from './constants';

const lang = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'not a language tag')
  .max(35);
const body = z.string().max(100_000);

/** The requester's first message of a ticket. */
export const firstMessagePayloadV1 = z.strictObject({
  v: z.literal(1),
  subject: z.string().min(1).max(200),
  body,
  category: z.string().min(1).max(64),
  contact: z.string().max(500).optional(),
  lang,
});
/** Any later message in the thread, requester or staff. */
export const replyPayloadV1 = z.strictObject({ v: z.literal(1), body, lang: lang.optional() });
/** Internal staff note. */
export const notePayloadV1 = z.strictObject({ v: z.literal(1), body });
/** Attachment metadata, encrypted under K with kind `attachment`. */
export const attachmentMetaPayloadV1 = z.strictObject({
  v: z.literal(1),
  name: z.string().min(1).max(255),
  type: z.string().max(255),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  fileKey: b64OfLength(KEY_BYTES),
});

export type FirstMessagePayload = z.infer<typeof firstMessagePayloadV1>;
export type ReplyPayload = z.infer<typeof replyPayloadV1>;
export type MessagePayload = FirstMessagePayload | ReplyPayload;
export type NotePayload = z.infer<typeof notePayloadV1>;
export type AttachmentMetaPayload = z.infer<typeof attachmentMetaPayloadV1>;

export const MESSAGE_PAYLOAD: VersionTable<MessagePayload> = versionTable<MessagePayload>({
  1: z.union([firstMessagePayloadV1, replyPayloadV1]),
});
export const NOTE_PAYLOAD: VersionTable<NotePayload> = versionTable<NotePayload>({ 1: notePayloadV1 });
export const ATTACHMENT_META_PAYLOAD: VersionTable<AttachmentMetaPayload> = versionTable<AttachmentMetaPayload>({
  1: attachmentMetaPayloadV1,
});

export function isFirstMessage(p: MessagePayload): p is FirstMessagePayload {
  return 'subject' in p;
}
