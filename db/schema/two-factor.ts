import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { staff } from './staff';

/**
 * A member's TOTP second factor (RFC 6238; docs/THREAT-MODEL.md "Two-factor sign-in"). The
 * server verifies codes, so it must be able to read the secret: it is stored sealed under a key
 * derived from the server secret, so a copy of the database alone does not yield it.
 * `confirmedAt` is null while an enrolment waits for its first code; only a confirmed row is a
 * second factor. `lastStep` is the 30-second step of the last accepted code (replay guard).
 */
export const staffTotp = sqliteTable('staff_totp', {
  staffId: text('staff_id')
    .primaryKey()
    .references(() => staff.id, { onDelete: 'cascade' }),
  sealedSecret: text('sealed_secret').notNull(),
  confirmedAt: integer('confirmed_at'),
  lastStep: integer('last_step').notNull().default(0),
  createdAt: integer('created_at').notNull(),
});

/** One-time recovery codes, stored only as HMAC-SHA-256 under a server key; a used code is deleted. */
export const staffRecoveryCodes = sqliteTable(
  'staff_recovery_codes',
  {
    staffId: text('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.staffId, t.codeHash] })],
);

/**
 * Failed sign-ins per account name (real or not, so names cannot be told apart). Keyed by an
 * HMAC of the username under a server key, so the table does not list the names people typed.
 * Survives a restart: an attacker cannot reset the back-off by crashing or waiting for a deploy.
 */
export const signInFailures = sqliteTable(
  'sign_in_failures',
  {
    nameKey: text('name_key').primaryKey(),
    failures: integer('failures').notNull(),
    lastFailureAt: integer('last_failure_at').notNull(),
  },
  (t) => [index('sign_in_failures_last_idx').on(t.lastFailureAt)],
);
