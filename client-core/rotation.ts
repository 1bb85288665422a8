// Team key rotation (SPEC §7) as pure steps over the vault; the caller (cli rotate, the console)
// drives the HTTP calls and can stop and resume between any two of them. nextRotationStep reads
// only the server's state (GET /api/admin/rotation) and the verified log, never client memory,
// so a reload, a crash or a second admin's device picks up exactly what is left:
//   0. label_key: a desk without a `label-key` commits the key its labels use (labels.ts prepareLabelKey)
//   1. new_team_key: prepareNewTeamKey → POST /api/keylog → recordKeyLogEntry (the vault now holds v+1)
//   2. grants: grantsForMembersWithout → POST /api/admin/grants
//   3. rewrap, per batch of pending wraps (K, N and the label wrap L): rewrapBatch → POST /api/admin/rewrap,
//      and what could not be re-wrapped → POST /api/admin/rotation/skip (reported with its reason)
//   4. retire, when none remain: retireEntries → POST /api/keylog each
import {
  asBoxPublicKey,
  FormatError,
  generateTeamKey,
  isCryptoError,
  nextTeamKeyVersion,
  openLabelKeyWrap,
  rewrapForRotation,
  sealGrant,
  teamPublicKeyOf,
  toB64,
  wrapKeyForTeam,
  type KeyLogEntry,
} from '../protocol';
import { CoreError } from './errors';
import { signNextEntry } from './keylog';
import { requireKeyLog, requireStaff, type Vault } from './vault';
import type { PendingWrap, RotationStatus, SkipReason, SkippedWrap, SkipWrapsBody, WrapKeyKind } from '../contract';
import type { GrantUpload } from './admission';

/** A wrap this admin could not re-wrap, with why (POST /api/admin/rotation/skip). */
export type FailedWrap = SkipWrapsBody['wraps'][number];

/** Rotation progress for a progress bar: keys re-wrapped of all keys, and what was reported as impossible. */
export interface RotationProgress {
  done: number;
  total: number;
  byKind: Record<WrapKeyKind, { done: number; total: number }>;
  failed: readonly SkippedWrap[];
}

export function rotationProgress(status: RotationStatus): RotationProgress {
  const byKind = status.progress;
  const done = byKind.ticket.done + byKind.note.done + byKind.label.done;
  const total = byKind.ticket.total + byKind.note.total + byKind.label.total;
  return { done, total, byKind, failed: status.skipped };
}

/**
 * The next thing a rotation must do, from the server's state alone. `started`: the caller asked to
 * rotate now (a new key is made only then, or when the admin holds no copy of the current key any
 * more: a crash between appending v+1 and uploading its own grant loses v+1, and v+2 replaces it).
 */
export type RotationStep =
  | { kind: 'label_key' }
  | { kind: 'new_team_key' }
  | { kind: 'grants'; version: number }
  | { kind: 'rewrap'; version: number; batch: readonly PendingWrap[] }
  | { kind: 'retire'; versions: number[] }
  | { kind: 'done' };

export function nextRotationStep(v: Vault, status: RotationStatus, opts: { start: boolean }): RotationStep {
  const log = requireKeyLog(v);
  requireStaff(v);
  if (log.labelKeyCommit === null) return { kind: 'label_key' };
  const current = log.currentTeamKey?.version ?? null;
  if (current === null) throw new CoreError('no_team_key', 'the desk has no team key yet');
  if (status.currentVersion !== current) throw new CoreError('keylog_invalid', 'the server and the verified key log disagree on the current team key; refetch the key log');
  const inProgress = versionsToRetire(v).length > 0;
  if ((!inProgress && opts.start) || (inProgress && !holdsTeamKey(v, current))) return { kind: 'new_team_key' };
  if (!inProgress) return { kind: 'done' };
  if (grantsForMembersWithout(v, current, status.staffWithoutGrant).length > 0) return { kind: 'grants', version: current };
  if (status.batch.length > 0) return { kind: 'rewrap', version: current, batch: status.batch };
  return { kind: 'retire', versions: versionsToRetire(v) };
}

/** Signed `team-key-retire` entries, one at a time (each must be recorded before the next is signed). */
export function retireEntry(v: Vault, version: number): KeyLogEntry {
  return signNextEntry(v, 'team-key-retire', { version });
}

/** A member GET /api/admin/rotation reports without a grant of the current version. */
export type StaffWithoutGrant = RotationStatus['staffWithoutGrant'][number];

/** Versions older than the current one the log has not retired yet: a rotation left to finish. */
export function versionsToRetire(v: Vault): number[] {
  const log = requireKeyLog(v);
  const current = log.currentTeamKey?.version ?? 0;
  return log.teamKeys.filter((k) => !k.retired && k.version < current).map((k) => k.version);
}

/** True when this vault holds the secret of `version` (opened from a grant, or made here). */
export function holdsTeamKey(v: Vault, version: number): boolean {
  return v.teamKeys.has(version);
}

/**
 * Team key v+1 and its signed `team-key` entry. The new secret stays in the vault (pending) and
 * becomes a held key when recordKeyLogEntry adopts the accepted entry.
 */
export function prepareNewTeamKey(v: Vault): { version: number; entry: KeyLogEntry } {
  const version = nextTeamKeyVersion(requireKeyLog(v));
  const pair = generateTeamKey();
  const entry = signNextEntry(v, 'team-key', { version, boxPk: toB64(pair.publicKey) });
  v.pendingTeamKey = { version, pair };
  return { version, entry };
}

/**
 * Grants of `version` for the members the server reports without one, this admin's own first (if
 * the run stops later, a resume can still open the new key).
 * SECURITY: the box key comes from the verified key log, never from the server's list; a member
 * the log does not list as active (removed, or re-enrolled without a new staff-add) gets nothing.
 */
export function grantsForMembersWithout(v: Vault, version: number, members: readonly StaffWithoutGrant[]): GrantUpload[] {
  const me = requireStaff(v);
  const log = requireKeyLog(v);
  const team = v.teamKeys.get(version);
  if (!team) throw new CoreError('no_team_key', `you do not hold team key v${version}`);
  const grants = members.flatMap((s) => {
    const rec = log.staff.get(s.staffId);
    if (!rec?.active || rec.boxPk !== s.boxPk) return [];
    return [{ staffId: s.staffId, teamKeyVersion: version, sealed: sealGrant(team.secretKey, asBoxPublicKey(rec.boxPk)) }];
  });
  return grants.sort((a, b) => (a.staffId === me.staffId ? -1 : b.staffId === me.staffId ? 1 : 0));
}

/**
 * Opens each pending wrap with the older key it names and seals it to `version`, whose public key
 * comes from the verified log. A wrap that is not a sealed 32-byte key (`malformed`) or does not
 * open (`does_not_open`; for the label wrap also: opens to a key the log's commitment rejects) is
 * returned in `failed` with its reason, to report (POST /api/admin/rotation/skip), never dropped
 * silently. A wrap of a version this admin holds no key for is not a failure of the wrap: it
 * throws `no_team_key` (another admin who holds it must rotate, or the grant must be restored).
 */
export function rewrapBatch(v: Vault, batch: readonly PendingWrap[], version: number): { wraps: PendingWrap[]; unopenable: number; failed: FailedWrap[] } {
  const log = requireKeyLog(v);
  const target = teamPublicKeyOf(log, version);
  const wraps: PendingWrap[] = [];
  const failed: FailedWrap[] = [];
  for (const w of batch) {
    const old = v.teamKeys.get(w.teamKeyVersion);
    if (!old) throw new CoreError('no_team_key', `you hold no grant for team key v${w.teamKeyVersion}, so its wraps cannot be opened`);
    const wrap = { teamKeyVersion: w.teamKeyVersion, sealed: w.sealed };
    try {
      // SECURITY: the label wrap is re-sealed only if it holds the L the log commits to; anything
      // else would carry a key of the server's choosing into the new version.
      const moved = w.keyKind === 'label' ? wrapKeyForTeam(openLabelKeyWrap(wrap, old, log), target) : rewrapForRotation(wrap, old, target);
      wraps.push({ ticketId: w.ticketId, keyKind: w.keyKind, teamKeyVersion: moved.teamKeyVersion, sealed: moved.sealed });
    } catch (err) {
      if (!isCryptoError(err)) throw err;
      const reason: SkipReason = err instanceof FormatError ? 'malformed' : 'does_not_open';
      failed.push({ ticketId: w.ticketId, keyKind: w.keyKind, teamKeyVersion: w.teamKeyVersion, reason });
    }
  }
  return { wraps, unopenable: failed.length, failed };
}
