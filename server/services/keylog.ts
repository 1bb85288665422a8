// The server side of the key log (SPEC §6): rebuild-and-cache the verified state, validate and
// append entries in one serialised transaction, and mirror team keys into team_keys.
import { and, asc, desc, eq, gt, isNull, max, sql } from 'drizzle-orm';
import { applyKeyLogEntry, deskFingerprint, entryHash, isCryptoError, KeyLogError, verifyKeyLog, type KeyLogEntry, type KeyLogState } from '../../protocol/index';
import { AppError, badRequest, conflict, forbidden } from '../errors';
import { rawRows, tables, transaction, type Db } from './data';
import { first, prepareAs, preparedPer } from './prepared';
import { appendAuditRow } from '../plugins/app/audit';
import { nowSeconds } from '../plugins/app/tokens';

/** The team-key queries every write path asks, prepared once per handle (see prepared.ts). */
const teamKeyStatements = preparedPer((db) => {
  const { teamKeys } = tables(db);
  return {
    current: prepareAs(
      db,
      'team_key_current',
      db
        .select({ v: max(teamKeys.version) })
        .from(teamKeys)
        .where(isNull(teamKeys.retiredAt)),
    ),
    live: prepareAs(db, 'team_key_live', db.select({ version: teamKeys.version }).from(teamKeys).where(isNull(teamKeys.retiredAt))),
  };
});

/**
 * The one team key version new wraps and grants must target: the newest unretired one.
 * Read from the table on every call (no cache): with several nodes, a retirement on one must
 * be refused on all at once.
 */
export async function currentTeamKeyVersion(db: Db): Promise<number | null> {
  return (await first(teamKeyStatements(db).current.execute()))?.v ?? null;
}

/** Every unretired team key version (mid-rotation there are two). */
export async function liveTeamKeyVersions(db: Db): Promise<number[]> {
  return (await teamKeyStatements(db).live.execute()).map((r) => r.version);
}

/**
 * SECURITY: a wrap sealed to anything but the current team key would be unreadable after the old
 * key's retirement (or readable by a removed technician); the client must refetch the key log.
 */
export async function assertCurrentTeamKey(db: Db, version: number): Promise<void> {
  const current = await currentTeamKeyVersion(db);
  if (current === null) throw conflict('the desk has no team key yet; it is not ready for requests', 'stale_team_key');
  if (version !== current) throw conflict(`team key version ${version} is not current; refetch the key log`, 'stale_team_key');
}

interface CachedState {
  headSeq: number;
  headHash: string;
  state: KeyLogState;
}

// Keyed by the stored head (seq and entry hash), not by handle: the hash chains every entry
// before it, so one head names exactly one log, whichever desk, node or handle reads it. Small
// and bounded: a process holds one desk (tests hold a few).
const cache = new Map<string, CachedState>();
const CACHE_ENTRIES = 16;

/**
 * The verified state of the stored log, or null before setup. The cache is checked against the
 * stored head on every call, so an append by another process (a CLI beside the server, another
 * node on the same PostgreSQL database) is seen at the next request.
 * SECURITY: the state is always the result of verifyKeyLog over the stored rows — a row edited
 * in the database makes this throw instead of being trusted.
 */
export async function keyLogState(db: Db): Promise<KeyLogState | null> {
  const { keylogEntries } = tables(db);
  const [head] = await db.select({ seq: keylogEntries.seq, hash: keylogEntries.hash }).from(keylogEntries).orderBy(desc(keylogEntries.seq)).limit(1);
  return keyLogStateAt(db, head ?? null);
}

/**
 * keyLogState for a head the caller has just read (in the same statement as other rows it
 * needs: staff-admission.ts), so a cached head costs no query at all. Null before setup.
 */
export async function keyLogStateAt(db: Db, head: { seq: number; hash: string } | null): Promise<KeyLogState | null> {
  if (!head) return null;
  const hit = cache.get(`${head.seq}:${head.hash}`);
  if (hit) return hit.state;
  const entries = await listKeyLogEntries(db);
  const state = verifyKeyLog(entries);
  // Cached under the last entry read, not the head asked for: an append between the two reads
  // must not file the newer state under the older head.
  const last = entries[entries.length - 1]!;
  remember({ headSeq: last.seq, headHash: entryHash(last), state });
  return state;
}

function remember(entry: CachedState): void {
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(`${entry.headSeq}:${entry.headHash}`, entry);
}

export async function listKeyLogEntries(db: Db, after = -1): Promise<KeyLogEntry[]> {
  const { keylogEntries } = tables(db);
  const rows = await db.select({ entry: keylogEntries.entry }).from(keylogEntries).where(gt(keylogEntries.seq, after)).orderBy(asc(keylogEntries.seq));
  return rows.map((r) => JSON.parse(r.entry) as KeyLogEntry);
}

async function insertEntry(tx: Db, entry: KeyLogEntry): Promise<string> {
  const hash = entryHash(entry);
  await tx.insert(tables(tx).keylogEntries).values({ seq: entry.seq, hash, type: entry.type, entry: JSON.stringify(entry), at: nowSeconds() });
  return hash;
}

/** Keeps team_keys (what new tickets may be sealed to) in step with team-key entries. */
async function mirrorTeamKeys(tx: Db, entry: KeyLogEntry): Promise<void> {
  const { teamKeys, grants, wraps, labelKeyWraps, rotationSkips } = tables(tx);
  if (entry.type === 'team-key') {
    const body = entry.body as { version: number; boxPk: string };
    await tx.insert(teamKeys).values({ version: body.version, boxPk: body.boxPk, createdAt: nowSeconds() });
  } else if (entry.type === 'team-key-retire') {
    const { version } = entry.body as { version: number };
    await tx
      .update(teamKeys)
      .set({ retiredAt: nowSeconds() })
      .where(and(eq(teamKeys.version, version), isNull(teamKeys.retiredAt)));
    // SECURITY: a retired key must stop opening anything: its grants and wraps go (SPEC §7),
    // the label key wrap of that version with them; the skip reports end with the wraps they describe.
    await tx.delete(grants).where(eq(grants.teamKeyVersion, version));
    await tx.delete(wraps).where(eq(wraps.teamKeyVersion, version));
    await tx.delete(labelKeyWraps).where(eq(labelKeyWraps.teamKeyVersion, version));
    await tx.delete(rotationSkips).where(eq(rotationSkips.teamKeyVersion, version));
  }
}

/** Maps a protocol rejection to the HTTP error a client can act on. */
export function keyLogRejection(err: unknown): AppError {
  if (err instanceof KeyLogError) {
    // A stale seq is what a second admin racing us produces: 409 tells the client to refetch.
    if (/^expected seq/.test(err.reason)) return conflict(err.message, 'keylog_conflict');
    return badRequest('keylog_invalid', err.message);
  }
  if (isCryptoError(err)) return badRequest('keylog_invalid', err.message);
  throw err;
}

export interface GenesisInput {
  genesis: unknown;
  teamKey: unknown;
  /** seq 2, optional: the desk label key commitment (its wrap is stored by the caller). */
  labelKey?: unknown;
}

/**
 * Setup: stores genesis (seq 0) and team key v1 (seq 1) and pins the desk fingerprint.
 * Runs inside the caller's transaction. Returns the verified state.
 */
export async function storeGenesis(tx: Db, input: GenesisInput): Promise<KeyLogState> {
  let state: KeyLogState;
  const entries = input.labelKey === undefined ? [input.genesis, input.teamKey] : [input.genesis, input.teamKey, input.labelKey];
  try {
    state = verifyKeyLog(entries);
  } catch (err) {
    throw keyLogRejection(err);
  }
  const genesis = input.genesis as KeyLogEntry;
  const teamKey = input.teamKey as KeyLogEntry;
  if (teamKey.type !== 'team-key') throw badRequest('keylog_invalid', 'the second entry must be team key v1');
  if (input.labelKey !== undefined && (input.labelKey as KeyLogEntry).type !== 'label-key') throw badRequest('keylog_invalid', 'the third entry must be the label-key commitment');
  await insertEntry(tx, genesis);
  await insertEntry(tx, teamKey);
  await mirrorTeamKeys(tx, teamKey);
  if (input.labelKey !== undefined) await insertEntry(tx, input.labelKey as KeyLogEntry);
  const { desk } = tables(tx);
  await tx
    .update(desk)
    .set({ fingerprint: deskFingerprint(genesis) })
    .where(eq(desk.id, 1));
  return state;
}

/**
 * Wraps sealed to `version` whose key has no wrap for a newer version and that no admin reported
 * as impossible to re-wrap: retiring `version` would make them unreadable for everyone. The desk
 * label key wrap counts like a ticket's K and N.
 */
export async function strandedWraps(db: Db, version: number): Promise<number> {
  const [tickets] = await rawRows<{ n: number }>(
    db,
    sql`
    select cast(count(*) as integer) as n from wraps w where w.recipient = 'team' and w.team_key_version = ${version}
    and not exists (select 1 from wraps n where n.ticket_id = w.ticket_id and n.key_kind = w.key_kind
                    and n.recipient = 'team' and n.team_key_version > ${version})
    and not exists (select 1 from rotation_skips s where s.ticket_id = w.ticket_id and s.key_kind = w.key_kind
                    and s.team_key_version = ${version})`,
  );
  const [label] = await rawRows<{ n: number }>(
    db,
    sql`
    select cast(count(*) as integer) as n from label_key_wraps l where l.team_key_version = ${version}
    and not exists (select 1 from label_key_wraps n where n.team_key_version > ${version})
    and not exists (select 1 from rotation_skips s where s.key_kind = 'label' and s.team_key_version = ${version})`,
  );
  return (tickets?.n ?? 0) + (label?.n ?? 0);
}

/**
 * Validates `value` against the stored log and appends it. Must run inside the caller's immediate
 * transaction (appendKeyLogEntry, or an account change that carries its entry).
 * SECURITY: the signer must be the authenticated caller — an admin cannot replay or relay an
 * entry signed by someone else — and an admin per the log itself, not per the staff table.
 */
export async function appendKeyLogEntryInTransaction(db: Db, callerStaffId: string, value: unknown): Promise<{ seq: number; hash: string; next: KeyLogState }> {
  const state = await keyLogState(db);
  if (!state) throw conflict('the desk is not set up yet', 'setup_required');
  const entry = value as KeyLogEntry;
  if (entry.signer !== callerStaffId) throw forbidden('the entry must be signed by the caller');
  let next: KeyLogState;
  try {
    next = applyKeyLogEntry(state, value);
  } catch (err) {
    throw keyLogRejection(err);
  }
  if (entry.type === 'staff-add') {
    const body = entry.body as { staffId: string; username: string; role: string; boxPk: string; signPk: string };
    const { staff } = tables(db);
    const [row] = await db
      .select({ username: staff.username, role: staff.role, boxPk: staff.boxPk, signPk: staff.signPk, status: staff.status })
      .from(staff)
      .where(eq(staff.id, body.staffId));
    // SECURITY: the log and the accounts must agree, or a member would be "admitted" with
    // keys whose secret halves nobody holds (or somebody else holds).
    if (!row || row.status !== 'active') throw conflict('staff-add names no active account', 'keylog_mismatch');
    if (row.username !== body.username || row.role !== body.role || row.boxPk !== body.boxPk || row.signPk !== body.signPk) {
      throw conflict("staff-add does not match the account's username, role and keys", 'keylog_mismatch');
    }
  }
  if (entry.type === 'team-key-retire') {
    const { version } = entry.body as { version: number };
    // SECURITY: retiring deletes the version's wraps; a key not yet re-wrapped to a newer version
    // would become unreadable for everyone. Refuse until the rewrap is complete, except for wraps
    // an admin explicitly reported as impossible to re-wrap (audited, listed in the rotation status).
    const stranded = await strandedWraps(db, version);
    if (stranded > 0) throw conflict(`${stranded} wraps still need re-wrapping before version ${version} can retire`, 'rewrap_incomplete');
  }
  const hash = await insertEntry(db, entry);
  await mirrorTeamKeys(db, entry);
  await appendAuditRow(db, callerStaffId, 'keylog.append', String(entry.seq), { type: entry.type, hash });
  return { seq: entry.seq, hash, next };
}

/**
 * POST /api/keylog: validates `value` against the stored log and appends it, in one immediate
 * transaction (two admins appending at once: the second gets 409 keylog_conflict).
 */
export async function appendKeyLogEntry(db: Db, callerStaffId: string, value: unknown): Promise<{ seq: number; hash: string }> {
  // SECURITY: a label-key commitment without its wrap would leave every client unable to open
  // labels; it is appended only with the wrap (POST /api/admin/label-key, storeLabelKey).
  if ((value as { type?: unknown }).type === 'label-key') throw conflict('a label-key entry is appended with its wrap: POST /api/admin/label-key', 'entry_mismatch');
  // SECURITY/consistency: one transaction (serialised on SQLite, SERIALIZABLE on PostgreSQL, and
  // keylog_entries.seq is the primary key): two admins appending at once cannot both chain onto seq n.
  const result = await transaction(db, (tx) => appendKeyLogEntryInTransaction(tx, callerStaffId, value));
  remember({ headSeq: result.seq, headHash: result.hash, state: result.next });
  return { seq: result.seq, hash: result.hash };
}
