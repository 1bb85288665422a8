// Who the key log vouches for (SPEC §4, §6, §7) — the one definition the guards, grants, staff
// management and message authorship all use.
// "Admitted": a staff member may read the desk only once an admin has vouched for their keys in
// the key log (staff-add) AND granted them a live team key. Activation alone gives a login.
// "Key-log admin": an admin by the key log itself, with exactly the keys on the staff row — the
// only accounts that can sign the next key-log entry, so the only ones with admin powers.
import { and, eq, inArray } from 'drizzle-orm';
import type { StaffRecord } from '../../protocol/index';
import { AppError } from '../errors';
import { tables, type Db } from './data';
import { keyLogState, liveTeamKeyVersions } from './keylog';

export const notAdmitted = () => new AppError('not_admitted', 'an admin has not admitted this account to the desk yet');

/** The key-log record vouching for `staffId`'s account as it is stored now, if there is one. */
async function vouchedRecord(db: Db, staffId: string): Promise<(StaffRecord & { rowRole: string }) | undefined> {
  const { staff } = tables(db);
  const [row] = await db.select({ boxPk: staff.boxPk, signPk: staff.signPk, status: staff.status, role: staff.role }).from(staff).where(eq(staff.id, staffId));
  if (!row || row.status !== 'active') return undefined;
  const rec = (await keyLogState(db))?.staff.get(staffId);
  // SECURITY: comparing keys (not just the id) is what makes re-enrolment need a new staff-add:
  // the log still lists the old keys until an admin vouches for the new ones.
  if (rec === undefined || !rec.active || rec.boxPk !== row.boxPk || rec.signPk !== row.signPk) return undefined;
  return { ...rec, rowRole: row.role };
}

/** True when the key log lists `staffId` as active with exactly the keys the account stores. */
export async function isInKeyLog(db: Db, staffId: string): Promise<boolean> {
  return (await vouchedRecord(db, staffId)) !== undefined;
}

/**
 * True when `staffId` is an admin the key log vouches for: listed active with role admin and the
 * account's current keys, and admin on the account too.
 * SECURITY: `staff.role` alone is what the server's own table says; an intercepted admin invite
 * gives exactly that. Only the key log (signed by admins' keys) can make an admin.
 */
export async function isKeyLogAdmin(db: Db, staffId: string): Promise<boolean> {
  const rec = await vouchedRecord(db, staffId);
  return rec !== undefined && rec.role === 'admin' && rec.rowRole === 'admin';
}

/** Every account that is a key-log admin now: the holders of the keys that can extend the log. */
export async function keyLogAdminIds(db: Db): Promise<string[]> {
  const { staff } = tables(db);
  const rows = await db
    .select({ id: staff.id })
    .from(staff)
    .where(and(eq(staff.role, 'admin'), eq(staff.status, 'active')));
  const admins: string[] = [];
  for (const { id } of rows) if (await isKeyLogAdmin(db, id)) admins.push(id);
  return admins;
}

/** In the key log with current keys, and holding a grant for at least one unretired team key. */
export async function isAdmitted(db: Db, staffId: string): Promise<boolean> {
  if (!(await isInKeyLog(db, staffId))) return false;
  const live = await liveTeamKeyVersions(db);
  if (live.length === 0) return false;
  // Any live version, not only the newest: mid-rotation a member keeps working on v until the
  // admin's client has uploaded their v+1 grant.
  const { grants } = tables(db);
  const [grant] = await db
    .select({ v: grants.teamKeyVersion })
    .from(grants)
    .where(and(eq(grants.staffId, staffId), inArray(grants.teamKeyVersion, live)))
    .limit(1);
  return grant !== undefined;
}

/**
 * The signing key a staff-authored message must verify against. SECURITY: only for admitted
 * members, so the key is the one the key log certifies; a server-side edit of staff.sign_pk
 * alone cannot make forged replies verify.
 */
export async function admittedSignPk(db: Db, staffId: string): Promise<string> {
  if (!(await isAdmitted(db, staffId))) throw notAdmitted();
  const { staff } = tables(db);
  const [row] = await db.select({ signPk: staff.signPk }).from(staff).where(eq(staff.id, staffId));
  if (!row) throw notAdmitted();
  return row.signPk;
}
