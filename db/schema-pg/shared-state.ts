import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { int } from './columns';

// Tables that exist only on PostgreSQL: state that one process keeps in memory on the SQLite
// desk but that several nodes must share. Not part of index.ts, so `import * as pgSchema`
// mirrors db/schema key for key; drizzle.pg.config.ts reads this file beside it.

/**
 * Rate-limit windows shared by every node (server/plugins/external/rate-limit.ts). `key` is the
 * route plus the bucket key (an HMAC of the address, or the account), never a raw IP.
 * Times are the database's clock in milliseconds, so nodes with skewed clocks agree.
 */
export const rateLimits = pgTable(
  'rate_limits',
  {
    key: text('key').primaryKey(),
    hits: int('hits').notNull(),
    resetAt: int('reset_at').notNull(),
  },
  (t) => [index('rate_limits_reset_idx').on(t.resetAt)],
);
