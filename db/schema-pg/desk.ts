import { sql } from 'drizzle-orm';
import { boolean, check, pgTable, text } from 'drizzle-orm/pg-core';
import { int } from './columns';

/** PostgreSQL twin of db/schema/desk.ts (the reference; comments there). */
export const desk = pgTable(
  'desk',
  {
    id: int('id').primaryKey(),
    deskId: text('desk_id').notNull(),
    fingerprint: text('fingerprint'),
    setupTokenHash: text('setup_token_hash'),
    setupTokenExpiresAt: int('setup_token_expires_at'),
    twoFactorRequired: boolean('two_factor_required').notNull().default(false),
    createdAt: int('created_at').notNull(),
  },
  // SECURITY: a second desk row would give two competing identities to pin.
  (t) => [check('desk_single_row', sql`${t.id} = 1`)],
);
