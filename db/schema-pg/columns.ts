import { bigint, customType } from 'drizzle-orm/pg-core';

// The PostgreSQL twin keeps the SQLite tables' TypeScript types (db/schema/), so one service
// layer runs on either table set. These are the two column kinds that need a helper for that.

/**
 * An integer column: SQLite's INTEGER is 64-bit, so its twin is `bigint`, read as a JS number
 * (every value the desk stores — seconds, milliseconds, counts, versions — is below 2^53).
 */
export const int = (name: string) => bigint(name, { mode: 'number' });

/** Binary data as a Node Buffer, exactly as the SQLite `blob({ mode: 'buffer' })` columns read. */
export const bytes = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => 'bytea',
});
