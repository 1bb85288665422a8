// SPEC §7 rotation, server side. The server never sees a team secret key: it only reports which
// ticket (K), note (N) and desk label (L) keys still lack a wrap for the current team key version,
// hands out the newest older wrap of each so an admin's client can open and re-seal it, stores
// the results, and records the wraps an admin reports as impossible to re-wrap.
// Everything here is derived from the wraps table, so a rotation interrupted at any point resumes
// by asking again (the "pending" set shrinks as batches land).
import { MAX_REWRAP_BATCH, SKIP_REASONS, WRAP_KEY_KINDS } from '../../contract/index';
import { sql, type SQL } from 'drizzle-orm';
import { conflict, notFound } from '../errors';
import { appendAuditRow } from '../plugins/app/audit';
import { nowSeconds } from '../plugins/app/tokens';
import { decodeCursor, encodeCursor } from './cursor';
import { rawExec, rawRows, transaction, type Db } from './data';
import { currentTeamKeyVersion } from './keylog';

export { MAX_REWRAP_BATCH, WRAP_KEY_KINDS };
export type WrapKeyKind = (typeof WRAP_KEY_KINDS)[number];

export interface PendingWrap {
  /** Null for the desk label key wrap. */
  ticketId: string | null;
  keyKind: WrapKeyKind;
  /** The version this wrap is sealed to (the newest one older than the current version). */
  teamKeyVersion: number;
  sealed: string;
}

type SkipReason = (typeof SKIP_REASONS)[number];
interface KindProgress {
  done: number;
  total: number;
}
export interface SkippedWrap {
  ticketId: string | null;
  keyKind: WrapKeyKind;
  teamKeyVersion: number;
  reason: SkipReason;
  skippedAt: number;
  skippedBy: string | null;
}

export interface RotationStatus {
  currentVersion: number | null;
  /** Older versions that still hold team wraps, with how many; empty when no rotation is pending. */
  previousVersions: { version: number; wraps: number; retired: boolean }[];
  pending: { tickets: number; notes: number; labels: number };
  progress: Record<WrapKeyKind, KindProgress>;
  skipped: SkippedWrap[];
  batch: PendingWrap[];
  /** Opaque; pass back as `cursor` to page past wraps still in the batch. Null at the end. */
  nextCursor: string | null;
  staffWithoutGrant: { staffId: string; username: string; boxPk: string }[];
}

export interface RewrapInput {
  ticketId: string | null;
  keyKind: WrapKeyKind;
  teamKeyVersion: number;
  sealed: string;
}

export interface SkipInput {
  ticketId: string | null;
  keyKind: WrapKeyKind;
  teamKeyVersion: number;
  reason: SkipReason;
}

/** rotation_skips names the label wrap with ticket_id '' (a key column); the API says null. */
const LABEL_OWNER = '';

// A wrap is pending when no team wrap of the same ticket and key kind exists for the current
// version and no admin has reported it as impossible to re-wrap. Of the older wraps of that key,
// only the newest is offered: it is the one whose grant the admin most likely still holds, and
// offering one row per key keeps the counts honest.
// Plain SQL (drizzle's `sql`, so both dialects bind the parameters): column aliases are quoted so
// PostgreSQL keeps their case, and counts are cast to integer so PostgreSQL answers numbers.
const pendingFrom = (current: number): SQL => sql`
  FROM wraps w
  WHERE w.recipient = 'team' AND w.team_key_version < ${current}
    AND NOT EXISTS (SELECT 1 FROM wraps c WHERE c.ticket_id = w.ticket_id AND c.key_kind = w.key_kind
                    AND c.recipient = 'team' AND c.team_key_version = ${current})
    AND NOT EXISTS (SELECT 1 FROM wraps n WHERE n.ticket_id = w.ticket_id AND n.key_kind = w.key_kind
                    AND n.recipient = 'team' AND n.team_key_version > w.team_key_version
                    AND n.team_key_version < ${current})
    AND NOT EXISTS (SELECT 1 FROM rotation_skips s WHERE s.ticket_id = w.ticket_id AND s.key_kind = w.key_kind
                    AND s.team_key_version = w.team_key_version)`;

/** The desk label key wrap still to re-seal, if any: the same rule for the one label wrap. */
async function pendingLabelWrap(db: Db, current: number): Promise<PendingWrap | null> {
  const [row] = await rawRows<{ teamKeyVersion: number; sealed: string }>(
    db,
    sql`SELECT l.team_key_version AS "teamKeyVersion", l.sealed AS "sealed" FROM label_key_wraps l
       WHERE l.team_key_version < ${current}
         AND NOT EXISTS (SELECT 1 FROM label_key_wraps n WHERE n.team_key_version > l.team_key_version)
         AND NOT EXISTS (SELECT 1 FROM rotation_skips s WHERE s.key_kind = 'label' AND s.team_key_version = l.team_key_version)`,
  );
  return row ? { ticketId: null, keyKind: 'label', teamKeyVersion: row.teamKeyVersion, sealed: row.sealed } : null;
}

/** Per key kind: keys that have a team wrap for the current version, of all keys with a team wrap. */
async function progressOf(db: Db, current: number): Promise<Record<WrapKeyKind, KindProgress>> {
  const rows = await rawRows<{ kind: 'ticket' | 'note'; total: number; done: number }>(
    db,
    sql`SELECT key_kind AS "kind", cast(count(DISTINCT ticket_id) as integer) AS "total",
              cast(count(DISTINCT CASE WHEN team_key_version = ${current} THEN ticket_id END) as integer) AS "done"
       FROM wraps WHERE recipient = 'team' GROUP BY key_kind`,
  );
  const [label] = await rawRows<{ total: number; done: number }>(
    db,
    sql`SELECT cast(count(*) as integer) AS "total", cast(count(CASE WHEN team_key_version = ${current} THEN 1 END) as integer) AS "done" FROM label_key_wraps`,
  );
  const of = (kind: 'ticket' | 'note') => {
    const r = rows.find((x) => x.kind === kind);
    return { done: r?.done ?? 0, total: r?.total ?? 0 };
  };
  return { ticket: of('ticket'), note: of('note'), label: { done: Math.min(label?.done ?? 0, 1), total: Math.min(label?.total ?? 0, 1) } };
}

async function skippedWraps(db: Db, current: number): Promise<SkippedWrap[]> {
  const rows = await rawRows<Omit<SkippedWrap, 'ticketId'> & { ticketId: string }>(
    db,
    sql`SELECT ticket_id AS "ticketId", key_kind AS "keyKind", team_key_version AS "teamKeyVersion", reason AS "reason", skipped_at AS "skippedAt", skipped_by AS "skippedBy"
       FROM rotation_skips WHERE team_key_version < ${current} ORDER BY skipped_at, ticket_id, key_kind`,
  );
  return rows.map((r) => ({ ...r, ticketId: r.ticketId === LABEL_OWNER ? null : r.ticketId }));
}

export async function rotationStatus(db: Db, opts: { limit: number; cursor?: string | undefined }): Promise<RotationStatus> {
  const current = await currentTeamKeyVersion(db);
  if (current === null) {
    const none = { done: 0, total: 0 };
    return {
      currentVersion: null,
      previousVersions: [],
      pending: { tickets: 0, notes: 0, labels: 0 },
      progress: { ticket: none, note: none, label: none },
      skipped: [],
      batch: [],
      nextCursor: null,
      staffWithoutGrant: [],
    };
  }
  const afterId = opts.cursor === undefined ? 0 : decodeCursor('w', opts.cursor);
  const counts = await rawRows<{ kind: WrapKeyKind; n: number }>(
    db,
    sql`SELECT w.key_kind AS "kind", cast(count(*) as integer) AS "n" ${pendingFrom(current)} GROUP BY w.key_kind`,
  );
  const label = await pendingLabelWrap(db, current);
  const rows = await rawRows<PendingWrap & { id: number }>(
    db,
    sql`SELECT w.id AS "id", w.ticket_id AS "ticketId", w.key_kind AS "keyKind", w.team_key_version AS "teamKeyVersion", w.sealed AS "sealed"
       ${pendingFrom(current)} AND w.id > ${afterId} ORDER BY w.id LIMIT ${opts.limit + 1}`,
  );
  // The one label wrap leads the first page (no cursor) as soon as that page has room for it, so
  // keyset paging over the ticket wraps stays exact; re-wrapped wraps leave the pending set, so a
  // client that asks again from the start always reaches it.
  const head = label !== null && opts.cursor === undefined && rows.length < opts.limit ? [label] : [];
  const limit = opts.limit - head.length;
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;

  const previousVersions = (
    await rawRows<{ version: number; retiredAt: number | null; wraps: number }>(
      db,
      sql`SELECT k.version AS "version", k.retired_at AS "retiredAt",
                cast((SELECT count(*) FROM wraps w WHERE w.recipient = 'team' AND w.team_key_version = k.version)
                + (SELECT count(*) FROM label_key_wraps l WHERE l.team_key_version = k.version) as integer) AS "wraps"
         FROM team_keys k WHERE k.version < ${current} ORDER BY k.version`,
    )
  )
    .filter((v) => v.wraps > 0 || v.retiredAt === null)
    .map((v) => ({ version: v.version, wraps: v.wraps, retired: v.retiredAt !== null }));

  // Informational: the rotating client must seal grants only to box keys taken from the verified
  // key log, never to keys this list names (a compromised server could slip its own key in).
  const staffWithoutGrant = await rawRows<RotationStatus['staffWithoutGrant'][number]>(
    db,
    sql`SELECT s.id AS "staffId", s.username AS "username", s.box_pk AS "boxPk" FROM staff s
       WHERE s.status = 'active'
         AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.staff_id = s.id AND g.team_key_version = ${current})
       ORDER BY s.username`,
  );

  const count = (kind: WrapKeyKind) => counts.find((c) => c.kind === kind)?.n ?? 0;
  const lastId = page[page.length - 1]?.id;
  return {
    currentVersion: current,
    previousVersions,
    pending: { tickets: count('ticket'), notes: count('note'), labels: label === null ? 0 : 1 },
    progress: await progressOf(db, current),
    skipped: await skippedWraps(db, current),
    batch: [...head, ...page.map(({ id: _id, ...w }) => w)],
    nextCursor: more && lastId !== undefined ? encodeCursor('w', lastId) : null,
    staffWithoutGrant,
  };
}

/**
 * Stores re-sealed team wraps, all or nothing. Idempotent: posting the same batch twice (a client
 * that crashed before it saw the reply) rewrites the same rows.
 * SECURITY: only the current version is accepted, and only for a key the ticket (or, for the
 * label wrap, the desk) already has a team wrap of. Otherwise a caller could plant a note key on
 * a ticket that has no notes, a label key on a desk that has none, or keep a retired version alive.
 */
export function applyRewraps(db: Db, actorStaffId: string, wraps: readonly RewrapInput[]): Promise<{ written: number }> {
  return transaction(db, async (tx) => {
    // Read the version inside the transaction so a concurrent rotation cannot slip a new version
    // in between the check and the writes (one writer on SQLite, SERIALIZABLE on PostgreSQL).
    const current = await currentTeamKeyVersion(tx);
    if (current === null) throw conflict('the desk has no team key yet', 'stale_team_key');
    for (const w of wraps) {
      if (w.teamKeyVersion !== current) {
        throw conflict(`wraps must be sealed to the current team key version ${current}`, 'stale_team_key');
      }
      if (w.keyKind === 'label') {
        if ((await rawRows(tx, sql`SELECT 1 AS "one" FROM label_key_wraps LIMIT 1`)).length === 0) throw notFound('the desk has no label key to rewrap');
        await rawExec(
          tx,
          sql`INSERT INTO label_key_wraps (team_key_version, sealed, created_at) VALUES (${w.teamKeyVersion}, ${w.sealed}, ${nowSeconds()})
              ON CONFLICT (team_key_version) DO UPDATE SET sealed = excluded.sealed`,
        );
        continue;
      }
      const hasKey =
        w.ticketId !== null &&
        (await rawRows(tx, sql`SELECT 1 AS "one" FROM wraps WHERE ticket_id = ${w.ticketId} AND key_kind = ${w.keyKind} AND recipient = 'team' LIMIT 1`)).length > 0;
      if (!hasKey) throw notFound(`no ${w.keyKind} key to rewrap for ticket ${w.ticketId}`);
      await rawExec(
        tx,
        sql`INSERT INTO wraps (ticket_id, key_kind, recipient, team_key_version, sealed)
            VALUES (${w.ticketId}, ${w.keyKind}, 'team', ${w.teamKeyVersion}, ${w.sealed})
            ON CONFLICT (ticket_id, key_kind, recipient, team_key_version) DO UPDATE SET sealed = excluded.sealed`,
      );
    }
    // One audit row per batch, not per wrap, in the same transaction: the count is what an auditor needs.
    await appendAuditRow(tx, actorStaffId, 'rotation.rewrap', null, { written: wraps.length, teamKeyVersion: current });
    return { written: wraps.length };
  });
}

/**
 * An admin reports wraps their client could not re-wrap (not a sealed 32-byte key, or it does
 * not open with the team key it names). Decision (issue 10): such a wrap must not block rotation
 * forever, but it is never skipped silently either: the admin's client sends the list, the server
 * records it with the reason (audited) and lists it in the rotation status; `team-key-retire` then
 * ignores these wraps, and they are deleted with their version. Only wraps that are really pending
 * (sealed to an older, unretired version with no newer wrap) can be reported.
 */
export function skipWraps(db: Db, actorStaffId: string, input: readonly SkipInput[]): Promise<{ skipped: number }> {
  return transaction(db, async (tx) => {
    const current = await currentTeamKeyVersion(tx);
    if (current === null) throw conflict('the desk has no team key yet', 'stale_team_key');
    for (const w of input) {
      const pending =
        w.keyKind === 'label'
          ? (await pendingLabelWrap(tx, current))?.teamKeyVersion === w.teamKeyVersion
          : (
              await rawRows(
                tx,
                sql`SELECT 1 AS "ok" ${pendingFrom(current)} AND w.ticket_id = ${w.ticketId} AND w.key_kind = ${w.keyKind} AND w.team_key_version = ${w.teamKeyVersion}`,
              )
            ).length > 0;
      if (!pending) throw notFound(`no pending ${w.keyKind} wrap of version ${w.teamKeyVersion}${w.ticketId === null ? '' : ` for ticket ${w.ticketId}`}`);
      await rawExec(
        tx,
        sql`INSERT INTO rotation_skips (ticket_id, key_kind, team_key_version, reason, skipped_by, skipped_at)
            VALUES (${w.ticketId ?? LABEL_OWNER}, ${w.keyKind}, ${w.teamKeyVersion}, ${w.reason}, ${actorStaffId}, ${nowSeconds()}) ON CONFLICT DO NOTHING`,
      );
    }
    const reasons = Object.fromEntries(SKIP_REASONS.map((r) => [r, input.filter((w) => w.reason === r).length]));
    await appendAuditRow(tx, actorStaffId, 'rotation.skip', null, {
      skipped: input.length,
      reasons,
      wraps: input.map((w) => ({ ticketId: w.ticketId, keyKind: w.keyKind, teamKeyVersion: w.teamKeyVersion })),
    });
    return { skipped: input.length };
  });
}
