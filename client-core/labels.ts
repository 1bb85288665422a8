// Private labels (SPEC §5, PROTOCOL §4.3): L is the desk label key, 32 random bytes made at setup,
// committed to in the key log (`label-key`) and kept as a team wrap that every rotation re-seals,
// so tags and dictionary entries never change when the team key does. A ticket carries blind
// tags, the dictionary holds the names sealed under L. The server filters by tag and never learns a name.
// A desk set up before label keys (no `label-key` in its log) still uses the deprecated key derived
// from the current team key until an admin commits it (prepareLabelKey; rotation does it first).
import {
  deriveLabelKey,
  isCryptoError,
  labelKeyCommitment,
  labelTag,
  normaliseLabelName,
  openLabelKeyWrap,
  openLabelName,
  sealLabelName,
  teamPublicKeyOf,
  wrapKeyForTeam,
  type LabelKey,
} from '../protocol';
import { CoreError } from './errors';
import { signNextEntry } from './keylog';
import { requireKeyLog, requireStaff, type Vault } from './vault';
import type { Grant, LabelEntry, LabelKeyBody, SealedLabelName } from '../contract';

/**
 * Opens the desk label key from the wraps the server lists (GET /api/staff/me `labelKeyWraps`),
 * newest version first, with the team keys this vault holds. SECURITY: openLabelKeyWrap checks L
 * against the verified log's commitment, so a label key the server made up is refused. Returns
 * false when the log commits to a key and none of the wraps opens to it (labels are then
 * unavailable, never computed with another key); true when L is open or the desk predates label keys.
 */
export function openDeskLabelKey(v: Vault, wraps: readonly Grant[]): boolean {
  const log = requireKeyLog(v);
  v.labelKey = null;
  if (log.labelKeyCommit === null) return true;
  for (const w of [...wraps].sort((a, b) => b.teamKeyVersion - a.teamKeyVersion)) {
    const team = v.teamKeys.get(w.teamKeyVersion);
    if (!team) continue;
    try {
      v.labelKey = { commit: log.labelKeyCommit, key: openLabelKeyWrap({ teamKeyVersion: w.teamKeyVersion, sealed: w.sealed }, team, log) };
      return true;
    } catch (err) {
      if (!isCryptoError(err)) throw err;
    }
  }
  return false;
}

/**
 * SECURITY: a desk with a `label-key` commitment uses only the L that matches it. A desk without
 * one (set up before label keys) derives L from the current team key named by the verified log,
 * as it always did; that key dies at the next rotation, which is why rotation commits it first.
 */
function currentLabelKey(v: Vault): LabelKey {
  requireStaff(v);
  const log = requireKeyLog(v);
  if (log.labelKeyCommit !== null) {
    if (v.labelKey?.commit === log.labelKeyCommit) return v.labelKey.key;
    throw new CoreError('no_label_key', 'the desk label key did not open: labels are unavailable');
  }
  const current = log.currentTeamKey;
  if (!current) throw new CoreError('no_team_key', 'the desk has no team key yet');
  const team = v.teamKeys.get(current.version);
  if (!team) throw new CoreError('no_team_key', 'you do not hold the current team key, so labels cannot be computed');
  return deriveLabelKey(team.secretKey);
}

/**
 * For a desk whose log has no `label-key` yet: the signed entry committing to the key labels use
 * today (derived from the current team key, so every existing tag and entry stays valid) and that
 * key sealed to the current team key, for POST /api/admin/label-key. Null when the log already
 * has one. Admin only (signNextEntry checks). PROTOCOL §4.3 "Migration".
 */
export function prepareLabelKey(v: Vault): LabelKeyBody | null {
  const log = requireKeyLog(v);
  if (log.labelKeyCommit !== null) return null;
  const key = currentLabelKey(v);
  const entry = signNextEntry(v, 'label-key', { commit: labelKeyCommitment(key) });
  const wrap = wrapKeyForTeam(key, teamPublicKeyOf(log));
  return { entry, wrap: { teamKeyVersion: wrap.teamKeyVersion, sealed: wrap.sealed } };
}

/** After POST /api/admin/label-key succeeded and recordKeyLogEntry adopted the entry: keep L open. */
export function adoptLabelKey(v: Vault, body: LabelKeyBody): void {
  openDeskLabelKey(v, [body.wrap]);
}

export interface LabelName {
  tag: string;
  name: string;
}

/** Opens the dictionary. Entries that do not open under L (stale, or forged) are counted, not shown. */
export function openLabels(v: Vault, entries: readonly Pick<LabelEntry, 'tag' | 'sealedName'>[]): { labels: LabelName[]; unreadable: number } {
  const key = currentLabelKey(v);
  v.labelNames.clear();
  let unreadable = 0;
  for (const e of entries) {
    try {
      v.labelNames.set(e.tag, openLabelName(key, e.tag, e.sealedName));
    } catch {
      unreadable += 1;
    }
  }
  const labels = [...v.labelNames].map(([tag, name]) => ({ tag, name })).sort((a, b) => a.name.localeCompare(b.name));
  return { labels, unreadable };
}

/** The decrypted name of a tag, when the dictionary opened it. */
export function labelNameOf(v: Vault, tag: string): string | undefined {
  return v.labelNames.get(tag);
}

/** Seals a new label name for the dictionary; the caller posts {tag, sealedName}. */
export function sealLabel(v: Vault, name: string): { tag: string; name: string; sealedName: SealedLabelName } {
  const key = currentLabelKey(v);
  const normalised = normaliseLabelName(name);
  const sealed = sealLabelName(key, normalised);
  v.labelNames.set(sealed.tag, normalised);
  return { tag: sealed.tag, name: normalised, sealedName: { v: 1, nonce: sealed.envelope.nonce, ct: sealed.envelope.ct } };
}

/** The blind tag a name has: the only thing the server sees of a label filter. */
export function labelTagFor(v: Vault, name: string): string {
  return labelTag(currentLabelKey(v), name);
}
