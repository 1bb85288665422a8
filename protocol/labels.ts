// SPEC §5 private labels. A ticket carries blind tags BLAKE2b-256-keyed(L, normalisedName), so the
// server can filter by label without learning names; the dictionary stores each name sealed under
// L with AD "sealdesk/v1/label|" + tag. L is the desk label key: 32 random bytes made at setup
// (newLabelKey) and kept as a team wrap, re-sealed by every rotation like K and N, so tags never
// change when the team key does (docs/PROTOCOL.md §4.3).
import { z } from 'zod';
import { AEAD_NONCE_BYTES, KEY_BYTES, LABEL_KDF, LABEL_KEY_COMMIT_PREFIX } from './constants';
import { concatBytes, fromB64, fromUtf8, toB64, utf8, type B64 } from './encoding';
import { parseVersioned, secretEnvelopeWith, versionTable, type SecretEnvelope } from './envelope';
import { DecryptError, FormatError, KeyLogError } from './errors';
import { labelAd } from './aad';
import { aeadDecrypt, aeadEncrypt, constantTimeEqual, hash256, kdfDerive, randomBytes } from './primitives';
import { ciphertextOfPlaintextBytes } from './schemas';
import type { KeyLogState } from './keylog';
import type { LabelKey, TeamKeyPair, TeamSecretKey } from './types';
import { openTeamWrap } from './wrap';

const LABEL_NAME_MAX_CHARS = 100;
/** UTF-8 of 100 UTF-16 code units is at most 300 bytes (3 per unit; a surrogate pair is 4 for 2). */
const LABEL_NAME_MAX_BYTES = LABEL_NAME_MAX_CHARS * 3;

/** A dictionary entry on the wire: `ct` holds 1–300 bytes of name plus the tag (names are not padded). */
export const labelNameEnvelopeV1 = secretEnvelopeWith(ciphertextOfPlaintextBytes(1, LABEL_NAME_MAX_BYTES));
const LABEL_NAME_ENVELOPE = versionTable<z.infer<typeof labelNameEnvelopeV1>>({ 1: labelNameEnvelopeV1 });

/**
 * What the key log's `label-key` entry publishes: b64(BLAKE2b-256("sealdesk/v1/label-key|" ‖ L)).
 * Unkeyed and domain-separated, so it can never equal a label tag (a keyed hash under L).
 */
export function labelKeyCommitment(labelKey: LabelKey): B64 {
  return toB64(hash256(concatBytes(utf8(LABEL_KEY_COMMIT_PREFIX), labelKey)));
}

/**
 * Opens the desk's label key wrap (a team wrap of L) and checks L against the key log's newest
 * `label-key` commitment. SECURITY: anyone can seal a key to the public team key, so without this
 * check a server could hand every client a label key of its own choosing and then read each label
 * name and tag sealed under it. Throws KeyLogError when the log has no commitment, DecryptError
 * when the wrap does not open or holds another key.
 */
export function openLabelKeyWrap(wrap: unknown, teamKeys: TeamKeyPair, state: Pick<KeyLogState, 'labelKeyCommit'>): LabelKey {
  if (state.labelKeyCommit === null) throw new KeyLogError('the key log has no label-key entry');
  const labelKey = openTeamWrap(wrap, teamKeys, 'label');
  if (!constantTimeEqual(utf8(labelKeyCommitment(labelKey)), utf8(state.labelKeyCommit))) {
    throw new DecryptError('label key does not match the commitment in the key log');
  }
  return labelKey;
}

/**
 * @deprecated The label key derived from one team key version dies with that version at the
 * next rotation. Use a desk label key instead: newLabelKey() at setup, wrapKeyForTeam(L, team) to
 * store it, openTeamWrap(wrap, teamKeys, 'label') to use it. Kept until the client core switches;
 * an existing desk migrates by wrapping the key this returns (docs/PROTOCOL.md §4.3).
 */
export function deriveLabelKey(teamSk: TeamSecretKey): LabelKey {
  return kdfDerive(KEY_BYTES, LABEL_KDF.id, LABEL_KDF.context, teamSk) as LabelKey;
}

/** NFKC, trim, lower-case: "  Phishing " and "phishing" are one label. */
export function normaliseLabelName(name: string): string {
  const n = name.normalize('NFKC').trim().toLowerCase();
  if (n.length === 0 || n.length > LABEL_NAME_MAX_CHARS) throw new FormatError('label name must be 1–100 characters');
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

/** Who can open: staff holding the desk label key L (every member with a current grant). */
export function sealLabelName(labelKey: LabelKey, name: string): { tag: B64; envelope: SecretEnvelope } {
  return sealLabelNameWithNonce(labelKey, name, randomBytes(AEAD_NONCE_BYTES));
}

/** Opens a dictionary entry and checks the name really hashes to its tag (no swapped entries). */
export function openLabelName(labelKey: LabelKey, tag: string, envelope: unknown): string {
  const env = parseVersioned(LABEL_NAME_ENVELOPE, envelope, 'label name');
  const name = fromUtf8(aeadDecrypt(fromB64(env.ct), labelAd(tag), fromB64(env.nonce, AEAD_NONCE_BYTES), labelKey));
  // SECURITY: the AD already binds the tag; recomputing it also refuses a sealed name whose
  // tag was computed under a different key or normalisation.
  if (!constantTimeEqual(utf8(labelTag(labelKey, name)), utf8(tag))) throw new DecryptError('label name does not match its tag');
  return name;
}
