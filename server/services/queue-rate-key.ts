import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { anonymousClientKey } from '../plugins/external/rate-limit';

/**
 * Rate-limit bucket for staff routes: per session, not per address. Behind an onion service
 * every technician arrives from 127.0.0.1, and a per-address bucket would throttle the whole
 * team as one client. SECURITY: only a hash of the bearer token is kept as the key; a request
 * without one falls back to the anonymous (HMAC-of-address) bucket. Rotating made-up tokens to
 * get fresh buckets buys nothing: such requests fail authentication right after.
 */
export function staffSessionKey(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || header.length === 0) return anonymousClientKey(request);
  return `s:${createHash('sha256').update(header).digest('base64url').slice(0, 22)}`;
}
