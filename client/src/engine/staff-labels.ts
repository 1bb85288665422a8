// Worker-side private labels (SPEC §5): L = kdf(teamSecretKey, 3, "sdlabels") of the CURRENT team
// key version from the verified log; a ticket carries blind tags, the dictionary holds the names
// sealed under L. The server filters by tag and never learns a name.
import { deriveLabelKey, labelTag, normaliseLabelName, openLabelName, sealLabelName, type LabelKey } from '../../../protocol';
import type { LabelEntry } from '../api';
import type { RpcMethods } from '../rpc';
import { engine, EngineError, requireKeyLog } from './state';

type R<M extends keyof RpcMethods> = RpcMethods[M]['result'];

/**
 * SECURITY: labels use only the current team key named by the verified log. Deriving L from an
 * older grant would produce tags the rest of the team (after rotation) cannot match.
 */
export function currentLabelKey(): LabelKey {
  if (!engine.staff) throw new EngineError('locked', 'the console is locked');
  const current = requireKeyLog().currentTeamKey;
  if (!current) throw new EngineError('no_team_key', 'the desk has no team key yet');
  if (engine.labelKey?.version === current.version) return engine.labelKey.key;
  const team = engine.teamKeys.get(current.version);
  if (!team) throw new EngineError('no_team_key', 'you do not hold the current team key');
  const key = deriveLabelKey(team.secretKey);
  engine.labelKey = { version: current.version, key };
  return key;
}

/** Opens the dictionary. Entries that do not open under L (stale, or forged) are counted, not shown. */
export function openLabels(entries: readonly LabelEntry[]): R<'staffOpenLabels'> {
  const key = currentLabelKey();
  engine.labelNames.clear();
  let unreadable = 0;
  for (const e of entries) {
    try {
      engine.labelNames.set(e.tag, openLabelName(key, e.tag, e.sealedName));
    } catch {
      unreadable += 1;
    }
  }
  const labels = [...engine.labelNames].map(([tag, name]) => ({ tag, name })).sort((a, b) => a.name.localeCompare(b.name));
  return { labels, unreadable };
}

/** Seals a new label name for the dictionary; the page posts {tag, sealedName}. */
export function sealLabel(name: string): R<'staffSealLabel'> {
  const key = currentLabelKey();
  const normalised = normaliseLabelName(name);
  const sealed = sealLabelName(key, normalised);
  engine.labelNames.set(sealed.tag, normalised);
  return { tag: sealed.tag, name: normalised, sealedName: sealed.envelope };
}

/** The blind tag a name would have, for lookups in the dictionary the page already holds. */
export function tagFor(name: string): string {
  return labelTag(currentLabelKey(), name);
}
