// Whose signature a message must carry, and which staff may touch tickets at all.
// SECURITY: staff authority comes from the verified key log (SPEC §6), not only from the staff
// table: a member is "admitted" when the log lists them as active with exactly the keys on their
// staff row. A row the log does not certify (pending invite, reset, removed, swapped keys) is
// refused, so a server-side edit of staff.sign_pk cannot make forged replies verify.
import { asc, desc, eq } from 'drizzle-orm';
import { verifyKeyLog, type KeyLogState } from '../../protocol/index';
import type { Db } from '../../db/client';
import { keylogEntries, staff } from '../../db/schema';
import { forbidden } from '../errors';

interface Cached {
  readonly lastSeq: number;
  readonly lastHash: string;
  readonly state: KeyLogState | null;
}

// One verified state per database handle; recomputed only when the log's head changes.
const cache = new WeakMap<object, Cached>();

/** The verified key log state, or null before setup. Throws if the stored log does not verify. */
export function keyLogState(db: Db): KeyLogState | null {
  const head = db.select({ seq: keylogEntries.seq, hash: keylogEntries.hash }).from(keylogEntries).orderBy(desc(keylogEntries.seq)).limit(1).get();
  if (!head) return null;
  const hit = cache.get(db);
  if (hit && hit.lastSeq === head.seq && hit.lastHash === head.hash) return hit.state;
  const entries = db.select({ entry: keylogEntries.entry }).from(keylogEntries).orderBy(asc(keylogEntries.seq)).all();
  const state = verifyKeyLog(entries.map((e) => JSON.parse(e.entry) as unknown));
  cache.set(db, { lastSeq: head.seq, lastHash: head.hash, state });
  return state;
}

export interface AdmittedStaff {
  readonly staffId: string;
  readonly signPk: string;
}

export function admittedStaff(db: Db, staffId: string): AdmittedStaff {
  const row = db.select({ signPk: staff.signPk, boxPk: staff.boxPk, status: staff.status }).from(staff).where(eq(staff.id, staffId)).get();
  const record = keyLogState(db)?.staff.get(staffId);
  if (!row || row.status !== 'active' || !record || !record.active || record.signPk !== row.signPk || record.boxPk !== row.boxPk) {
    throw forbidden('your account is not admitted in the key log yet');
  }
  return { staffId, signPk: record.signPk };
}
