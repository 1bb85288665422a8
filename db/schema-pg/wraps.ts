import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { WRAP_KEY_KINDS, WRAP_RECIPIENTS } from '../schema/wraps';
import { int } from './columns';
import { teamKeys } from './team-keys';
import { tickets } from './tickets';

export { WRAP_KEY_KINDS, WRAP_RECIPIENTS };

/**
 * PostgreSQL twin of db/schema/wraps.ts.
 * SECURITY: a note key (N) must never be wrapped to the requester; the check enforces it.
 */
export const wraps = pgTable(
  'wraps',
  {
    id: int('id').primaryKey().generatedByDefaultAsIdentity(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    keyKind: text('key_kind', { enum: WRAP_KEY_KINDS }).notNull(),
    recipient: text('recipient', { enum: WRAP_RECIPIENTS }).notNull(),
    teamKeyVersion: int('team_key_version').references(() => teamKeys.version, { onDelete: 'cascade' }),
    sealed: text('sealed').notNull(),
  },
  (t) => [
    // NULLs are distinct in a PostgreSQL unique index too, as in SQLite: same two indexes.
    uniqueIndex('wraps_team_unique').on(t.ticketId, t.keyKind, t.recipient, t.teamKeyVersion),
    uniqueIndex('wraps_requester_unique')
      .on(t.ticketId, t.keyKind)
      .where(sql`${t.recipient} = 'requester'`),
    index('wraps_version_idx').on(t.teamKeyVersion),
    check(
      'wraps_recipient_version',
      sql`(${t.recipient} = 'team' AND ${t.teamKeyVersion} IS NOT NULL) OR (${t.recipient} = 'requester' AND ${t.teamKeyVersion} IS NULL AND ${t.keyKind} = 'ticket')`,
    ),
  ],
);
