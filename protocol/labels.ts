// SPEC §5 private labels. L = kdf(teamSk, 3, "sdlabels"); a ticket carries blind tags
// BLAKE2b-256-keyed(L, normalisedName), so the server can filter by label without learning names.
// The dictionary stores each name sealed under L with AD "sealdesk/v1/label|" + tag.
import { AEAD_NONCE_BYTES, KEY_BYTES, LABEL_KDF } from './constants';
import { fromB64, fromUtf8, toB64, utf8, type B64 } from './encoding';
import { parseSecretEnvelope, type SecretEnvelope } from './envelope';
import { DecryptError, FormatError } from './errors';
import { labelAd } from './aad';
import { aeadDecrypt, aeadEncrypt, constantTimeEqual, hash256, kdfDerive, randomBytes } from './primitives';
import type { LabelKey, TeamSecretKey } from './types';

export function deriveLabelKey(teamSk: TeamSecretKey): LabelKey {
  return kdfDerive(KEY_BYTES, LABEL_KDF.id, LABEL_KDF.context, teamSk) as LabelKey;
}

/** NFKC, trim, lower-case: "  Phishing " and "phishing" are one label. */
export function normaliseLabelName(name: string): string {
  const n = name.normalize('NFKC').trim().toLowerCase();
  if (n.length === 0 || n.length > 100) throw new FormatError('label name must be 1–100 characters');
  return n;
}

export function labelTag(labelKey: LabelKey, name: string): B64 {
  return toB64(hash256(utf8(normaliseLabelName(name)), labelKey));
}

/** @internal Explicit nonce, for known-answer vectors only. */
export function sealLabelNameWithNonce(labelKey: LabelKey, name: string, nonce: Uint8Array): { tag: B64; envelope: SecretEnvelope } {
  const normalised = normaliseLabelName(name);
  const tag = labelTag(labelKey, normalised);
  const ct = aeadEncrypt(utf8(normalised), labelAd(tag), nonce, labelKey);
  return { tag, envelope: { v: 1, nonce: toB64(nonce), ct: toB64(ct) } };
}

/** Who can open: staff holding the team key the label key was derived from. */
export function sealLabelName(labelKey: LabelKey, name: string): { tag: B64; envelope: SecretEnvelope } {
  return sealLabelNameWithNonce(labelKey, name, randomBytes(AEAD_NONCE_BYTES));
}

/** Opens a dictionary entry and checks the name really hashes to its tag (no swapped entries). */
export function openLabelName(labelKey: LabelKey, tag: string, envelope: unknown): string {
  const env = parseSecretEnvelope(envelope);
  const name = fromUtf8(aeadDecrypt(fromB64(env.ct), labelAd(tag), fromB64(env.nonce, AEAD_NONCE_BYTES), labelKey));
  // SECURITY: the AD already binds the tag; recomputing it also refuses a sealed name whose
  // tag was computed under a different key or normalisation.
  if (!constantTimeEqual(utf8(labelTag(labelKey, name)), utf8(tag))) throw new DecryptError('label name does not match its tag');
  return name;
}
