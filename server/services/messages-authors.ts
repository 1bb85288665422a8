// Whose key a staff-authored message must be signed with, and whether that member may touch
// tickets at all. SECURITY: "admitted" is the staff room's definition (server/services/
// staff-admission.ts): listed as active in the verified key log with exactly the keys on the
// staff row, and holding a live grant. So the signPk we verify against is the one the key log
// certifies, and a server-side edit of staff.sign_pk alone cannot make forged replies verify.
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { staff } from '../../db/schema';
import { isAdmitted, notAdmitted } from './staff-admission';

export interface AdmittedStaff {
  readonly staffId: string;
  readonly signPk: string;
}

/** Throws 403 not_admitted unless the member is admitted; returns their key-log-certified signPk. */
export function admittedStaff(db: Db, staffId: string): AdmittedStaff {
  if (!isAdmitted(db, staffId)) throw notAdmitted();
  const row = db.select({ signPk: staff.signPk }).from(staff).where(eq(staff.id, staffId)).get();
  if (!row) throw notAdmitted();
  return { staffId, signPk: row.signPk };
}
