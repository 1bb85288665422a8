import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Hash-chained audit log of staff actions. No FK on the actor: an audit row must never change
 * or disappear because of what later happens to a staff row.
 */
export const audit = sqliteTable(
  'audit',
  {
    seq: integer('seq').primaryKey(),
    at: integer('at').notNull(),
    actorStaffId: text('actor_staff_id'),
    action: text('action').notNull(),
    target: text('target'),
    detail: text('detail').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull().unique(),
  },
  (t) => [index('audit_actor_idx').on(t.actorStaffId)],
);
