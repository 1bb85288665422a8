// Who the key log vouches for (SPEC §4, §6, §7) — the one definition the guards, grants, staff
// management and message authorship all use.
// "Admitted": a staff member may read the desk only once an admin has vouched for their keys in
// the key log (staff-add) AND granted them a live team key. Activation alone gives a login.
// "Key-log admin": an admin by the key log itself, with exactly the keys on the staff row — the
// only accounts that can sign the next key-log entry, so the only ones with admin powers.
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { STAFF_ROLES, STAFF_STATUSES } from '../../db/schema/staff';
import type { StaffRecord } from '../../protocol/index';
import { AppError } from '../errors';
import { tables, type Db } from './data';
import { keyLogStateAt } from './keylog';
import { first, prepareAs, preparedPer } from './prepared';

export const notAdmitted = () => new AppError('not_admitted', 'an admin has not admitted this account to the desk yet');

/**
 * Everything the rules below read about one account, as one snapshot: its staff row, the key
 * log's head, and whether it holds a grant for an unretired team key. Every staff request's
 * guard asks this (plugins/app/auth.ts), so it is one prepared statement, one round trip on
 * PostgreSQL, where it was five sequential queries; with the head, keyLogStateAt answers from
 * its cache without another query.
 */
export interface StaffStanding {
  id: string;
  username: string;
  role: (typeof STAFF_ROLES)[number];
  status: (typeof STAFF_STATUSES)[number];
  boxPk: string;
  signPk: string;
  head: { seq: number; hash: string } | null;
  /** A grant for at least one unretired version: mid-rotation a member keeps working on v until the admin's client has uploaded their v+1 grant. */
  liveGrant: boolean;
}

const standingStatement = preparedPer((db) => {
  const { staff, keylogEntries, grants, teamKeys } = tables(db);
  const newest = <T>(column: typeof keylogEntries.seq | typeof keylogEntries.hash) =>
    sql<T | null>`${db.select({ v: column }).from(keylogEntries).orderBy(desc(keylogEntries.seq)).limit(1)}`;
  const liveGrant = sql<boolean>`exists ${db
    .select({ one: sql`1` })
    .from(grants)
    .innerJoin(teamKeys, eq(teamKeys.version, grants.teamKeyVersion))
    .where(and(eq(grants.staffId, staff.id), isNull(teamKeys.retiredAt)))}`.mapWith(Boolean);
  const q = db
    .select({
      id: staff.id,
      username: staff.username,
      role: staff.role,
      status: staff.status,
      boxPk: staff.boxPk,
      signPk: staff.signPk,
      headSeq: newest<number>(keylogEntries.seq).mapWith(Number),
      headHash: newest<string>(keylogEntries.hash),
      liveGrant,
    })
    .from(staff)
    .where(eq(staff.id, sql.placeholder('id')));
  return prepareAs(db, 'staff_standing', q);
});

/** The account's standing now, or undefined when there is no such account. */
export async function staffStanding(db: Db, staffId: string): Promise<StaffStanding | undefined> {
  const row = await first(standingStatement(db).execute({ id: staffId }));
  if (!row) return undefined;
  const { headSeq, headHash, ...rest } = row;
  return { ...rest, head: headSeq === null || headHash === null ? null : { seq: headSeq, hash: headHash } };
}

/** The key-log record vouching for the account as it is stored now, if there is one. */
async function vouchedRecord(db: Db, standing: StaffStanding): Promise<StaffRecord | undefined> {
  if (standing.status !== 'active') return undefined;
  const rec = (await keyLogStateAt(db, standing.head))?.staff.get(standing.id);
  // SECURITY: comparing keys (not just the id) is what makes re-enrolment need a new staff-add:
  // the log still lists the old keys until an admin vouches for the new ones.
  if (rec === undefined || !rec.active || rec.boxPk !== standing.boxPk || rec.signPk !== standing.signPk) return undefined;
  return rec;
}

/** In the key log with current keys, and holding a grant for at least one unretired team key. */
export async function standingIsAdmitted(db: Db, standing: StaffStanding): Promise<boolean> {
  return standing.liveGrant && (await vouchedRecord(db, standing)) !== undefined;
}

/**
 * An admin the key log vouches for: listed active with role admin and the account's current
 * keys, and admin on the account too.
 * SECURITY: `staff.role` alone is what the server's own table says; an intercepted admin invite
 * gives exactly that. Only the key log (signed by admins' keys) can make an admin.
 */
export async function standingIsKeyLogAdmin(db: Db, standing: StaffStanding): Promise<boolean> {
  const rec = await vouchedRecord(db, standing);
  return rec !== undefined && rec.role === 'admin' && standing.role === 'admin';
}

/** True when the key log lists `staffId` as active with exactly the keys the account stores. */
export async function isInKeyLog(db: Db, staffId: string): Promise<boolean> {
  const standing = await staffStanding(db, staffId);
  return standing !== undefined && (await vouchedRecord(db, standing)) !== undefined;
}

/** standingIsKeyLogAdmin for an account id. */
export async function isKeyLogAdmin(db: Db, staffId: string): Promise<boolean> {
  const standing = await staffStanding(db, staffId);
  return standing !== undefined && (await standingIsKeyLogAdmin(db, standing));
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

/** "Admitted" (see the top of this file) for an account id. */
export async function isAdmitted(db: Db, staffId: string): Promise<boolean> {
  const standing = await staffStanding(db, staffId);
  return standing !== undefined && (await standingIsAdmitted(db, standing));
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
