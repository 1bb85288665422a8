// SPEC §7 rotation, server side. The server never sees a team secret key: it only reports which
// ticket (K) and note (N) keys still lack a wrap for the current team key version, hands out the
// newest older wrap of each so an admin's client can open and re-seal it, and stores the results.
// Everything here is derived from the wraps table, so a rotation interrupted at any point resumes
// by asking again (the "pending" set shrinks as batches land).
import { MAX_REWRAP_BATCH, WRAP_KEY_KINDS } from '../../contract/index';
import type { Db } from '../../db/client';
import { conflict, notFound } from '../errors';
import { appendAuditRow } from '../plugins/app/audit';
import { decodeCursor, encodeCursor } from './cursor';
import { currentTeamKeyVersion } from './keylog';

export { MAX_REWRAP_BATCH, WRAP_KEY_KINDS };
export type WrapKeyKind = (typeof WRAP_KEY_KINDS)[number];

export interface PendingWrap {
  ticketId: string;
  keyKind: WrapKeyKind;
  /** The version this wrap is sealed to (the newest one older than the current version). */
  teamKeyVersion: number;
  sealed: string;
}

export interface RotationStatus {
  currentVersion: number | null;
  /** Older versions that still hold team wraps, with how many; empty when no rotation is pending. */
  previousVersions: { version: number; wraps: number; retired: boolean }[];
  pending: { tickets: number; notes: number };
  batch: PendingWrap[];
  /** Opaque; pass back as `cursor` to skip wraps the client could not open. Null at the end. */
  nextCursor: string | null;
  staffWithoutGrant: { staffId: string; username: string; boxPk: string }[];
}

export interface RewrapInput {
  ticketId: string;
  keyKind: WrapKeyKind;
  teamKeyVersion: number;
  sealed: string;
}

// A wrap is pending when no team wrap of the same ticket and key kind exists for the current
// version. Of the older wraps of that key, only the newest is offered: it is the one whose grant
// the admin most likely still holds, and offering one row per key keeps the counts honest.
const PENDING_FROM = `
  FROM wraps w
  WHERE w.recipient = 'team' AND w.team_key_version < @current
    AND NOT EXISTS (SELECT 1 FROM wraps c WHERE c.ticket_id = w.ticket_id AND c.key_kind = w.key_kind
                    AND c.recipient = 'team' AND c.team_key_version = @current)
    AND NOT EXISTS (SELECT 1 FROM wraps n WHERE n.ticket_id = w.ticket_id AND n.key_kind = w.key_kind
                    AND n.recipient = 'team' AND n.team_key_version > w.team_key_version
                    AND n.team_key_version < @current)`;

export function rotationStatus(db: Db, opts: { limit: number; cursor?: string | undefined }): RotationStatus {
  const sqlite = db.$client;
  const current = currentTeamKeyVersion(db);
  if (current === null) {
    return { currentVersion: null, previousVersions: [], pending: { tickets: 0, notes: 0 }, batch: [], nextCursor: null, staffWithoutGrant: [] };
  }
  const afterId = opts.cursor === undefined ? 0 : decodeCursor('w', opts.cursor);
  const counts = sqlite.prepare(`SELECT w.key_kind AS kind, count(*) AS n ${PENDING_FROM} GROUP BY w.key_kind`).all({ current }) as { kind: WrapKeyKind; n: number }[];
  const rows = sqlite
    .prepare(
      `SELECT w.id AS id, w.ticket_id AS ticketId, w.key_kind AS keyKind, w.team_key_version AS teamKeyVersion, w.sealed AS sealed
       ${PENDING_FROM} AND w.id > @afterId ORDER BY w.id LIMIT @limit`,
    )
    .all({ current, afterId, limit: opts.limit + 1 }) as (PendingWrap & { id: number })[];
  const more = rows.length > opts.limit;
  const page = more ? rows.slice(0, opts.limit) : rows;

  const previousVersions = (
    sqlite
      .prepare(
        `SELECT k.version AS version, k.retired_at AS retiredAt,
                (SELECT count(*) FROM wraps w WHERE w.recipient = 'team' AND w.team_key_version = k.version) AS wraps
         FROM team_keys k WHERE k.version < @current ORDER BY k.version`,
      )
      .all({ current }) as { version: number; retiredAt: number | null; wraps: number }[]
  )
    .filter((v) => v.wraps > 0 || v.retiredAt === null)
    .map((v) => ({ version: v.version, wraps: v.wraps, retired: v.retiredAt !== null }));

  // Informational: the rotating client must seal grants only to box keys taken from the verified
  // key log, never to keys this list names (a compromised server could slip its own key in).
  const staffWithoutGrant = sqlite
    .prepare(
      `SELECT s.id AS staffId, s.username AS username, s.box_pk AS boxPk FROM staff s
       WHERE s.status = 'active'
         AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.staff_id = s.id AND g.team_key_version = @current)
       ORDER BY s.username`,
    )
    .all({ current }) as RotationStatus['staffWithoutGrant'];

  const count = (kind: WrapKeyKind) => counts.find((c) => c.kind === kind)?.n ?? 0;
  return {
    currentVersion: current,
    previousVersions,
    pending: { tickets: count('ticket'), notes: count('note') },
    batch: page.map(({ id: _id, ...w }) => w),
    nextCursor: more ? encodeCursor('w', page[page.length - 1]!.id) : null,
    staffWithoutGrant,
  };
}

/**
 * Stores re-sealed team wraps, all or nothing. Idempotent: posting the same batch twice (a client
 * that crashed before it saw the reply) rewrites the same rows.
 * SECURITY: only the current version is accepted, and only for a key the ticket already has a
 * team wrap of. Otherwise a caller could plant a note key on a ticket that has no notes, or keep
 * a retired version alive.
 */
export function applyRewraps(db: Db, actorStaffId: string, wraps: readonly RewrapInput[]): { written: number } {
  const sqlite = db.$client;
  const upsert = sqlite.prepare(
    `INSERT INTO wraps (ticket_id, key_kind, recipient, team_key_version, sealed)
     VALUES (@ticketId, @keyKind, 'team', @teamKeyVersion, @sealed)
     ON CONFLICT (ticket_id, key_kind, recipient, team_key_version) DO UPDATE SET sealed = excluded.sealed`,
  );
  const hasKey = sqlite.prepare(`SELECT 1 FROM wraps WHERE ticket_id = ? AND key_kind = ? AND recipient = 'team' LIMIT 1`);
  const run = sqlite.transaction((items: readonly RewrapInput[]) => {
    // Read the version inside the (immediate) transaction so a concurrent rotation cannot
    // slip a new version in between the check and the writes.
    const current = currentTeamKeyVersion(db);
    if (current === null) throw conflict('the desk has no team key yet', 'stale_team_key');
    for (const w of items) {
      if (w.teamKeyVersion !== current) {
        throw conflict(`wraps must be sealed to the current team key version ${current}`, 'stale_team_key');
      }
      if (!hasKey.get(w.ticketId, w.keyKind)) throw notFound(`no ${w.keyKind} key to rewrap for ticket ${w.ticketId}`);
      upsert.run(w);
    }
    // One audit row per batch, not per wrap, in the same transaction: the count is what an auditor needs.
    appendAuditRow(db, actorStaffId, 'rotation.rewrap', null, { written: items.length, teamKeyVersion: current });
    return items.length;
  });
  return { written: run.immediate(wraps) };
}
