// Team key rotation (SPEC §7) as pure steps over the vault; the caller (cli rotate) drives the
// HTTP calls and can stop and resume between any two of them:
//   1. prepareNewTeamKey → POST /api/keylog → recordKeyLogEntry (the vault now holds v+1)
//   2. grantsForMembersWithout → POST /api/admin/grants
//   3. per batch of pending wraps: rewrapBatch → POST /api/admin/rewrap
//   4. when none remain: versionsToRetire → a signed `team-key-retire` each → POST /api/keylog
import { asBoxPublicKey, generateTeamKey, nextTeamKeyVersion, rewrapForRotation, sealGrant, teamPublicKeyOf, toB64, type KeyLogEntry } from '../protocol';
import { CoreError } from './errors';
import { signNextEntry } from './keylog';
import { requireKeyLog, requireStaff, type Vault } from './vault';
import type { PendingWrap, RotationStatus } from '../contract';
import type { GrantUpload } from './admission';

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
 * comes from the verified log. Wraps this admin cannot open are counted, never dropped silently.
 */
export function rewrapBatch(v: Vault, batch: readonly PendingWrap[], version: number): { wraps: PendingWrap[]; unopenable: number } {
  const target = teamPublicKeyOf(requireKeyLog(v), version);
  const wraps: PendingWrap[] = [];
  let unopenable = 0;
  for (const w of batch) {
    const old = v.teamKeys.get(w.teamKeyVersion);
    try {
      if (!old) throw new CoreError('no_team_key', 'no grant');
      const moved = rewrapForRotation({ teamKeyVersion: w.teamKeyVersion, sealed: w.sealed }, old, target);
      wraps.push({ ticketId: w.ticketId, keyKind: w.keyKind, teamKeyVersion: moved.teamKeyVersion, sealed: moved.sealed });
    } catch {
      unopenable++;
    }
  }
  return { wraps, unopenable };
}
