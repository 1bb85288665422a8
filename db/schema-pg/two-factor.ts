import { index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { int } from './columns';
import { staff } from './staff';

/** PostgreSQL twin of db/schema/two-factor.ts. */
export const staffTotp = pgTable('staff_totp', {
  staffId: text('staff_id')
    .primaryKey()
    .references(() => staff.id, { onDelete: 'cascade' }),
  sealedSecret: text('sealed_secret').notNull(),
  confirmedAt: int('confirmed_at'),
  lastStep: int('last_step').notNull().default(0),
  createdAt: int('created_at').notNull(),
});

export const staffRecoveryCodes = pgTable(
  'staff_recovery_codes',
  {
    staffId: text('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.staffId, t.codeHash] })],
);

export const signInFailures = pgTable(
  'sign_in_failures',
  {
    nameKey: text('name_key').primaryKey(),
    failures: int('failures').notNull(),
    lastFailureAt: int('last_failure_at').notNull(),
  },
  (t) => [index('sign_in_failures_last_idx').on(t.lastFailureAt)],
);
