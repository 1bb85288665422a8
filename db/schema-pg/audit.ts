import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { int } from './columns';

/** PostgreSQL twin of db/schema/audit.ts (no FK on the actor, as there). */
export const audit = pgTable(
  'audit',
  {
    seq: int('seq').primaryKey(),
    at: int('at').notNull(),
    actorStaffId: text('actor_staff_id'),
    action: text('action').notNull(),
    target: text('target'),
    detail: text('detail').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull().unique(),
  },
  (t) => [index('audit_actor_idx').on(t.actorStaffId)],
);
