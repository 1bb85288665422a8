// The rate-limit store several nodes share: @fastify/rate-limit's store interface over the
// PostgreSQL table rate_limits (db/schema-pg/shared-state.ts). One statement per hit, an atomic
// upsert that starts a new window or counts into the current one and returns the count, so two
// nodes counting the same bucket at the same instant can neither both see "first hit" nor lose
// one. The database's clock decides windows: nodes with skewed clocks agree.
import type { FastifyRateLimitOptions, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type pg from 'pg';

const NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

// A counter need not survive a crash of the database (a lost hit only loosens one window), so
// its commit does not wait for the WAL flush: set_config(…, true) lasts for this statement's own
// transaction. Every other write keeps synchronous_commit as the server has it.
const HIT = `
WITH async AS (SELECT set_config('synchronous_commit', 'off', true))
INSERT INTO rate_limits AS r (key, hits, reset_at) SELECT $1, 1, ${NOW_MS} + $2::bigint FROM async
ON CONFLICT (key) DO UPDATE SET
  hits     = CASE WHEN r.reset_at <= excluded.reset_at - $2::bigint THEN 1 ELSE r.hits + 1 END,
  reset_at = CASE WHEN r.reset_at <= excluded.reset_at - $2::bigint THEN excluded.reset_at ELSE r.reset_at END
RETURNING hits, greatest(reset_at - ${NOW_MS}, 0) AS ttl`;

const READ = `SELECT hits, greatest(reset_at - ${NOW_MS}, 0) AS ttl FROM rate_limits WHERE key = $1 AND reset_at > ${NOW_MS}`;

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;
type Row = { hits: string; ttl: string };

/**
 * A store class for `@fastify/rate-limit`'s `store` option, bound to `pool`. Windows are fixed
 * (the plugin's default; the desk's limits use neither continueExceeding nor exponentialBackoff).
 */
export function pgRateLimitStore(pool: pg.Pool): FastifyRateLimitStoreCtor {
  class PgRateLimitStore {
    constructor(
      _options: FastifyRateLimitOptions,
      private readonly prefix = '',
    ) {}

    incr(key: string, callback: Callback, timeWindow: number): void {
      pool.query<Row>(HIT, [this.prefix + key, Math.ceil(timeWindow)]).then(
        ({ rows: [row] }) => callback(null, { current: Number(row!.hits), ttl: Number(row!.ttl) }),
        (err: Error) => callback(err),
      );
    }

    read(key: string, callback: Callback): void {
      pool.query<Row>(READ, [this.prefix + key]).then(
        ({ rows: [row] }) => callback(null, row ? { current: Number(row.hits), ttl: Number(row.ttl) } : { current: 0, ttl: 0 }),
        (err: Error) => callback(err),
      );
    }

    /** One namespace per route, as the plugin's own stores do. */
    // The plugin passes the route's merged limit options with the route under `routeInfo` (its
    // typings say RouteOptions), or an empty routeInfo for app.rateLimit() handlers.
    child(routeOptions: object): PgRateLimitStore {
      const { method = '', url = '' } = (routeOptions as { routeInfo?: { method?: unknown; url?: string } }).routeInfo ?? {};
      return new PgRateLimitStore({}, `${this.prefix}${String(method)}${url}-`);
    }
  }
  return PgRateLimitStore as unknown as FastifyRateLimitStoreCtor;
}

/** Deletes windows that ended; any node may run it, at any time. Returns the rows deleted. */
export async function pruneRateLimits(pool: pg.Pool): Promise<number> {
  const result = await pool.query(`DELETE FROM rate_limits WHERE reset_at <= ${NOW_MS}`);
  return result.rowCount ?? 0;
}
