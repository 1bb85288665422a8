import { sql } from 'drizzle-orm';
import { check, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The desk itself: exactly one row (id = 1). `fingerprint` stays null until the first admin
 * appends the genesis key-log entry; the setup token is stored only as a hash.
 */
export const desk = sqliteTable(
  'desk',
  {
    id: integer('id').primaryKey(),
    deskId: text('desk_id').notNull(),
    fingerprint: text('fingerprint'),
    setupTokenHash: text('setup_token_hash'),
    setupTokenExpiresAt: integer('setup_token_expires_at'),
    /** Desk policy: every staff member must have a second factor to get past enrolment. */
    twoFactorRequired: integer('two_factor_required', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
  },
  // SECURITY: a second desk row would give two competing identities to pin.
  (t) => [check('desk_single_row', sql`${t.id} = 1`)],
);
