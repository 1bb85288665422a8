import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { AppError } from '../../errors';
import { pgRateLimitStore, pruneRateLimits } from '../../rate-limit-store';
import { addressKey } from '../../rate-limits';
import type { AppPluginOptions } from '../options';

/** How often each node deletes ended windows from the shared table. */
export const RATE_LIMIT_PRUNE_INTERVAL_MS = 60_000;

export default fp<Pick<AppPluginOptions, 'pgPool'>>(
  async (app, opts) => {
    // On PostgreSQL every node counts in the shared table, or N nodes would allow N times each
    // limit; on the single-process SQLite desk, the plugin's in-memory store.
    const pool = opts.pgPool;
    // global: false — each route names its limit in server/rate-limits.ts; a blanket per-IP
    // limit would throttle all onion-service users as one client.
    await app.register(rateLimit, {
      global: false,
      keyGenerator: addressKey,
      ...(pool ? { store: pgRateLimitStore(pool) } : {}),
      errorResponseBuilder: (_request, context) => new AppError('rate_limited', `too many requests; retry in ${context.after}`),
    });
    if (pool) {
      const prune = () => {
        pruneRateLimits(pool).catch((err: unknown) => app.log.warn({ err }, 'rate-limit prune failed'));
      };
      // unref: never keeps the process (or a test run) alive.
      const timer = setInterval(prune, RATE_LIMIT_PRUNE_INTERVAL_MS).unref();
      app.addHook('onClose', async () => clearInterval(timer));
    }
  },
  { name: 'rate-limit' },
);
