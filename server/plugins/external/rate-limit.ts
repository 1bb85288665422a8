import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createHmac, randomBytes } from 'node:crypto';
import { AppError } from '../../errors';

// Per-process key: rate-limit buckets are keyed by an HMAC of the address, so not even the
// in-memory store holds a raw IP, and the keys mean nothing after a restart.
const bucketKey = randomBytes(32);

/**
 * SECURITY: the default key generator for rate limits — never the raw IP. Behind an onion
 * service every client shares 127.0.0.1, so routes that know a subject (session, requester)
 * should key by it instead (`config.rateLimit.keyGenerator`).
 */
export function anonymousClientKey(request: FastifyRequest): string {
  return createHmac('sha256', bucketKey).update(request.ip).digest('base64url').slice(0, 22);
}

export default fp(
  async (app) => {
    // global: false — each route states its own limit in `config.rateLimit`; a blanket per-IP
    // limit would throttle all onion-service users as one client.
    await app.register(rateLimit, {
      global: false,
      keyGenerator: anonymousClientKey,
      errorResponseBuilder: (_request, context) =>
        new AppError(429, 'rate_limited', `too many requests; retry in ${context.after}`),
    });
  },
  { name: 'rate-limit' },
);
