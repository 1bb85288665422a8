import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { teamKeys } from './team-keys';
import { tickets } from './tickets';

export const WRAP_KEY_KINDS = ['ticket', 'note'] as const;
export const WRAP_RECIPIENTS = ['team', 'requester'] as const;

/**
 * A ticket key K or note key N sealed to a team key version or to the requester.
 * SECURITY: a note key (N) must never be wrapped to the requester; the check enforces it.
 */
export const wraps = sqliteTable(
  'wraps',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    keyKind: text('key_kind', { enum: WRAP_KEY_KINDS }).notNull(),
    recipient: text('recipient', { enum: WRAP_RECIPIENTS }).notNull(),
    teamKeyVersion: integer('team_key_version').references(() => teamKeys.version, { onDelete: 'cascade' }),
    sealed: text('sealed').notNull(),
  },
  (t) => [
    uniqueIndex('wraps_team_unique').on(t.ticketId, t.keyKind, t.recipient, t.teamKeyVersion),
    // NULLs are distinct in a SQLite unique index, so requester wraps need their own one.
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
