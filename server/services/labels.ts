import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { labels } from '../../db/schema';
import { conflict } from '../errors';
import { appendAuditRow } from '../plugins/app/audit';
import { nowSeconds } from '../plugins/app/tokens';

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
export function listLabels(db: Db): LabelEntry[] {
  return db
    .select()
    .from(labels)
    .orderBy(asc(labels.createdAt), asc(labels.tag))
    .all()
    .map((row) => ({ tag: row.tag, sealedName: JSON.parse(row.sealedName) as SealedLabelName, createdAt: row.createdAt }));
}

/** Adds one entry; a tag that exists already is 409 (the same name always gives the same tag). */
export function addLabel(db: Db, actorStaffId: string, entry: { tag: string; sealedName: SealedLabelName }, now = nowSeconds()): LabelEntry {
  return db.transaction(
    (tx) => {
      if (tx.select({ tag: labels.tag }).from(labels).where(eq(labels.tag, entry.tag)).get()) {
        throw conflict('this label is in the dictionary already', 'label_exists');
      }
      const sealedName: SealedLabelName = { v: 1, nonce: entry.sealedName.nonce, ct: entry.sealedName.ct };
      tx.insert(labels)
        .values({ tag: entry.tag, sealedName: JSON.stringify(sealedName), createdBy: actorStaffId, createdAt: now })
        .run();
      appendAuditRow(db, actorStaffId, 'label.create', entry.tag);
      return { tag: entry.tag, sealedName, createdAt: now };
    },
    { behavior: 'immediate' },
  );
}
