// The key log on the client side (SPEC §6): verify it from genesis against the pinned fingerprint
// before anything is sealed, and, for admins, sign the next entry and adopt it once the server has
// accepted it.
import { applyKeyLogEntry, buildKeyLogEntry, signKeyLogEntry, toB64, verifyKeyLog, type B64, type KeyLogBodies, type KeyLogEntry, type KeyLogType } from '../protocol';
import { CoreError } from './errors';
import { requireKeyLog, requireStaff, type Vault } from './vault';

/** What a client shows about the log it verified. */
export interface KeyLogCheck {
  fingerprint: B64;
  teamKeyVersion: number | null;
  entries: number;
}

/** Names the desk this vault works for; a vault never silently changes desks. */
export function initDesk(v: Vault, deskId: string): void {
  if (v.deskId !== null && v.deskId !== deskId) throw new CoreError('desk_changed', 'the desk id changed');
  v.deskId = deskId;
}

/**
 * Verifies the whole log (against `pinnedFingerprint` when there is one) and makes it the log this
 * vault trusts. Throws FingerprintMismatchError / KeyLogError, or CoreError for another desk's log.
 */
export function trustKeyLog(v: Vault, entries: readonly unknown[], pinnedFingerprint: string | null): KeyLogCheck {
  // SECURITY: forget the previous state first: if this verification fails, nothing may be sealed
  // against a log that was trusted earlier but is now contradicted.
  v.keyLog = null;
  const state = verifyKeyLog(entries, pinnedFingerprint === null ? {} : { pinnedFingerprint });
  if (v.deskId !== null && state.deskId !== v.deskId) throw new CoreError('keylog_invalid', 'the key log belongs to another desk');
  v.keyLog = state;
  return { fingerprint: state.fingerprint, teamKeyVersion: state.currentTeamKey?.version ?? null, entries: entries.length };
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * The next entry, signed by the unlocked admin. Checked against the verified log as the server
 * will check it, so a refused entry is caught here. Not adopted until recordKeyLogEntry.
 */
export function signNextEntry<T extends Exclude<KeyLogType, 'genesis'>>(v: Vault, type: T, body: KeyLogBodies[T], at = nowSeconds()): KeyLogEntry {
  const me = requireStaff(v);
  const log = requireKeyLog(v);
  const signer = log.staff.get(me.staffId);
  if (!signer?.active || signer.role !== 'admin') throw new CoreError('not_admin', 'only an admin the key log lists can sign key-log entries');
  const entry = signKeyLogEntry(buildKeyLogEntry(log, { type, body, signer: me.staffId, at }), me.keys.sign.secretKey);
  applyKeyLogEntry(log, entry);
  return entry;
}

/**
 * Adopts an entry the server accepted. A `team-key` entry publishing the pending new key makes it
 * a held team key; a `team-key-retire` entry drops the retired key (see unlock's rule).
 */
export function recordKeyLogEntry(v: Vault, entry: KeyLogEntry): void {
  v.keyLog = applyKeyLogEntry(requireKeyLog(v), entry);
  const body = entry.body as { version?: number; boxPk?: string };
  if (entry.type === 'team-key' && v.pendingTeamKey && v.pendingTeamKey.version === body.version && toB64(v.pendingTeamKey.pair.publicKey) === body.boxPk) {
    v.teamKeys.set(v.pendingTeamKey.version, v.pendingTeamKey.pair);
    v.pendingTeamKey = null;
  }
  if (entry.type === 'team-key-retire' && body.version !== undefined) v.teamKeys.delete(body.version);
}
