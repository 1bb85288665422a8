import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Routes open to both a requester (own tickets) and staff: dispatch on the token's claimed kind,
 * then run that kind's full guard. SECURITY: the unverified `typ` only picks which guard runs;
 * the guard itself verifies the signature, session row and kind again.
 */
export function requireParticipant(app: FastifyInstance) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
    let typ: unknown;
    try {
      typ = (app.jwt.decode(token) as { typ?: unknown } | null)?.typ;
    } catch {
      typ = undefined;
    }
    if (typ === 'staff') await app.requireStaff(request);
    else await app.requireRequester(request);
  };
}
