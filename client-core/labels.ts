// Private labels (SPEC §5): L = kdf(teamSecretKey, 3, "sdlabels") of the CURRENT team key version
// from the verified log; a ticket carries blind tags, the dictionary holds the names sealed under L.
// The server filters by tag and never learns a name.
import { deriveLabelKey, labelTag, normaliseLabelName, openLabelName, sealLabelName, type LabelKey } from '../protocol';
import { CoreError } from './errors';
import { requireKeyLog, requireStaff, type Vault } from './vault';
import type { LabelEntry, SealedLabelName } from '../contract';

/**
 * SECURITY: labels use only the current team key named by the verified log. Deriving L from an
 * older grant would produce tags the rest of the team (after rotation) cannot match.
 */
function currentLabelKey(v: Vault): LabelKey {
  requireStaff(v);
  const current = requireKeyLog(v).currentTeamKey;
  if (!current) throw new CoreError('no_team_key', 'the desk has no team key yet');
  if (v.labelKey?.version === current.version) return v.labelKey.key;
  const team = v.teamKeys.get(current.version);
  if (!team) throw new CoreError('no_team_key', 'you do not hold the current team key, so labels cannot be computed');
  const key = deriveLabelKey(team.secretKey);
  v.labelKey = { version: current.version, key };
  return key;
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
