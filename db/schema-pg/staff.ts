import { pgTable, text } from 'drizzle-orm/pg-core';
import { STAFF_ROLES, STAFF_STATUSES } from '../schema/staff';
import { int } from './columns';

export { STAFF_ROLES, STAFF_STATUSES };

/** PostgreSQL twin of db/schema/staff.ts. */
export const staff = pgTable('staff', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique(),
  role: text('role', { enum: STAFF_ROLES }).notNull(),
  status: text('status', { enum: STAFF_STATUSES }).notNull().default('active'),
  kdfSalt: text('kdf_salt').notNull(),
  kdfOpslimit: int('kdf_opslimit').notNull(),
  kdfMemlimit: int('kdf_memlimit').notNull(),
  authHash: text('auth_hash').notNull(),
  boxPk: text('box_pk').notNull(),
  signPk: text('sign_pk').notNull(),
  keyBlob: text('key_blob').notNull(),
  lastSignInDay: text('last_sign_in_day'),
  createdAt: int('created_at').notNull(),
  updatedAt: int('updated_at').notNull(),
});
