// "Admitted" (SPEC §4, §7): a staff member may read the desk only once an admin has vouched for
// their keys in the key log (staff-add) AND granted them a live team key. Activation alone
// gives a login, nothing more.
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import type { Db } from '../../db/client';
import { grants, staff, teamKeys } from '../../db/schema';
import { AppError } from '../errors';
import { keyLogState } from './keylog';

export const notAdmitted = () => new AppError(403, 'not_admitted', 'an admin has not admitted this account to the desk yet');

/** True when the key log lists `staffId` as active with exactly the keys the account stores. */
export function isInKeyLog(db: Db, staffId: string): boolean {
  const row = db.select({ boxPk: staff.boxPk, signPk: staff.signPk, status: staff.status }).from(staff).where(eq(staff.id, staffId)).get();
  if (!row || row.status !== 'active') return false;
  const rec = keyLogState(db)?.staff.get(staffId);
  // SECURITY: comparing keys (not just the id) is what makes re-enrolment need a new staff-add:
  // the log still lists the old keys until an admin vouches for the new ones.
  return rec !== undefined && rec.active && rec.boxPk === row.boxPk && rec.signPk === row.signPk;
}

/** In the key log with current keys, and holding a grant for at least one unretired team key. */
export function isAdmitted(db: Db, staffId: string): boolean {
  if (!isInKeyLog(db, staffId)) return false;
  const live = db.select({ version: teamKeys.version }).from(teamKeys).where(isNull(teamKeys.retiredAt)).all().map((r) => r.version);
  if (live.length === 0) return false;
  // Any live version, not only the newest: mid-rotation a member keeps working on v until the
  // admin's client has uploaded their v+1 grant.
  const grant = db
    .select({ v: grants.teamKeyVersion })
    .from(grants)
    .where(and(eq(grants.staffId, staffId), inArray(grants.teamKeyVersion, live)))
    .limit(1)
    .get();
  return grant !== undefined;
}

/**
 * preHandler for every route that reveals desk content or triage metadata to staff: an active
 * staff session (401) that is admitted (403 `not_admitted`). Sets request.staff.
 */
export async function requireAdmitted(request: FastifyRequest): Promise<void> {
  const app = request.server;
  await app.requireStaff(request);
  if (!request.staff || !isAdmitted(app.db, request.staff.id)) throw notAdmitted();
}
