import { asc, desc, eq, isNull } from 'drizzle-orm';
import { conflict } from '../errors';
import { tables, transaction, type Db } from './data';
import { appendAuditRow } from '../plugins/app/audit';
import { nowSeconds } from '../plugins/app/tokens';
import { appendKeyLogEntryInTransaction, assertCurrentTeamKey, keyLogState } from './keylog';

/** A label name sealed under the label key L (protocol `sealLabelName`); opaque to the server. */
export interface SealedLabelName {
  v: 1;
  nonce: string;
  ct: string;
}

export interface LabelEntry {
  tag: string;
  sealedName: SealedLabelName;
  createdAt: number;
}

/**
 * The desk's label dictionary (SPEC §5). SECURITY: the server only ever holds blind tags and
 * sealed names; nothing here can or may produce a label name.
 */
export async function listLabels(db: Db): Promise<LabelEntry[]> {
  const { labels } = tables(db);
  const rows = await db.select().from(labels).orderBy(asc(labels.createdAt), asc(labels.tag));
  return rows.map((row) => ({ tag: row.tag, sealedName: JSON.parse(row.sealedName) as SealedLabelName, createdAt: row.createdAt }));
}

/** Adds one entry; a tag that exists already is 409 (the same name always gives the same tag). */
export function addLabel(db: Db, actorStaffId: string, entry: { tag: string; sealedName: SealedLabelName }, now = nowSeconds()): Promise<LabelEntry> {
  return transaction(db, async (tx) => {
    const { labels } = tables(tx);
    if ((await tx.select({ tag: labels.tag }).from(labels).where(eq(labels.tag, entry.tag))).length > 0) {
      throw conflict('this label is in the dictionary already', 'label_exists');
    }
    const sealedName: SealedLabelName = { v: 1, nonce: entry.sealedName.nonce, ct: entry.sealedName.ct };
    await tx.insert(labels).values({ tag: entry.tag, sealedName: JSON.stringify(sealedName), createdBy: actorStaffId, createdAt: now });
    await appendAuditRow(tx, actorStaffId, 'label.create', entry.tag);
    return { tag: entry.tag, sealedName, createdAt: now };
  });
}

/**
 * The desk label key L sealed to every live team key version (GET /api/staff/me), newest first.
 * The server cannot open them; clients check L against the key log's `label-key` commitment.
 */
export async function liveLabelKeyWraps(db: Db): Promise<{ teamKeyVersion: number; sealed: string }[]> {
  const { labelKeyWraps, teamKeys } = tables(db);
  return db
    .select({ teamKeyVersion: labelKeyWraps.teamKeyVersion, sealed: labelKeyWraps.sealed })
    .from(labelKeyWraps)
    .innerJoin(teamKeys, eq(teamKeys.version, labelKeyWraps.teamKeyVersion))
    .where(isNull(teamKeys.retiredAt))
    .orderBy(desc(labelKeyWraps.teamKeyVersion));
}

/**
 * POST /api/admin/label-key: a desk set up before label keys gets its `label-key` commitment and
 * the wrap of L in one transaction (docs/PROTOCOL.md §4.3 "Migration"). SECURITY: the server
 * checks what it can — a signed label-key entry by the calling key-log admin, a desk without a
 * commitment yet, a wrap for the current team key — and stores what the admin sealed; it never
 * holds L. Re-keying labels (a second commitment) is not offered: it would orphan every tag.
 */
export function storeLabelKey(db: Db, actorStaffId: string, input: { entry: unknown; wrap: { teamKeyVersion: number; sealed: string } }): Promise<{ seq: number; hash: string }> {
  const entry = input.entry as { type?: unknown };
  if (entry.type !== 'label-key') return Promise.reject(conflict('the entry must be a label-key entry', 'entry_mismatch'));
  return transaction(db, async (tx) => {
    if (((await keyLogState(tx))?.labelKeyCommit ?? null) !== null) throw conflict('the key log already commits to a desk label key', 'label_key_exists');
    await assertCurrentTeamKey(tx, input.wrap.teamKeyVersion);
    const appended = await appendKeyLogEntryInTransaction(tx, actorStaffId, input.entry);
    await tx.insert(tables(tx).labelKeyWraps).values({ teamKeyVersion: input.wrap.teamKeyVersion, sealed: input.wrap.sealed, createdAt: nowSeconds() });
    await appendAuditRow(tx, actorStaffId, 'label.key', null, { teamKeyVersion: input.wrap.teamKeyVersion });
    return { seq: appended.seq, hash: appended.hash };
  });
}
