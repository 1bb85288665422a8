import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { staff } from '../../db/schema';

/** Only an active account may be made an assignee: a disabled one could never act on it. */
export function isActiveStaff(db: Db, staffId: string): boolean {
  const row = db.select({ status: staff.status }).from(staff).where(eq(staff.id, staffId)).get();
  return row?.status === 'active';
}
