// Per-route rate-limit settings that do not depend on IP addresses alone (SPEC §2.3: over Tor
// every client shares one address). Authenticated routes count per session subject; the limiter
// runs as a preHandler, after the auth guard has set request.requester / request.staff.
import type { FastifyRequest } from 'fastify';
import { anonymousClientKey } from '../plugins/external/rate-limit';

export function subjectKey(request: FastifyRequest): string {
  if (request.requester) return `requester:${request.requester.id}`;
  if (request.staff) return `staff:${request.staff.id}`;
  // Unreachable behind a guard; fall back to the anonymous key rather than one shared bucket.
  return `anon:${anonymousClientKey(request)}`;
}

/** Route `config.rateLimit` counting per authenticated subject. */
export const perSubject = (max: number, timeWindow: string) => ({ max, timeWindow, hook: 'preHandler' as const, keyGenerator: subjectKey });

/**
 * Anonymous routes can only key by the (HMAC'd) address, which behind an onion service is one
 * bucket for everyone: so these limits are generous flood guards, never the spam control (that
 * is proof-of-work and the per-requester quotas). Authenticated routes deliberately have no
 * address limit in front of the guard, or one flooder could lock every Tor user out.
 */
export const ANON_FLOOD_LIMIT = { max: 600, timeWindow: '1 minute' } as const;
