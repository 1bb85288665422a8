// The one rate-limit policy: every route's limit, by name. Routes say
// `config: { rateLimit: RATE_LIMITS.<name> }` and nothing else about limits.
//
// SECURITY (SPEC §2.3): behind an onion service every client arrives from 127.0.0.1, so an
// address bucket is one bucket for everyone. Address-keyed limits are therefore only generous
// flood guards on ANONYMOUS routes (the spam control is proof-of-work and the per-requester
// quotas). Authenticated routes count per session subject (account), after the auth guard, and
// have no address limit in front of the guard, or one flooder could lock every Tor user out.
import type { FastifyRequest } from 'fastify';
import { createHmac, hkdfSync } from 'node:crypto';
import type { Secrets } from './plugins/app/secrets';

// Address buckets are keyed by an HMAC of the address, so no store — in memory, or the shared
// PostgreSQL table — holds a raw IP. Every node behind one database must count an address in the
// same bucket, so the key is derived from the desk's shared secret (jwt.key, which all nodes
// already share) rather than drawn per process. SECURITY: with the key, someone holding a copy
// of the rate_limits table could test guessed addresses; its rows live one window (a minute)
// and are pruned (docs/DECISIONS.md, issue 14).
const bucketKeys = new WeakMap<Secrets, Buffer>();
function bucketKey(secrets: Secrets): Buffer {
  let key = bucketKeys.get(secrets);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', secrets.jwtKey, Buffer.alloc(0), 'sealdesk rate-limit address buckets v1', 32));
    bucketKeys.set(secrets, key);
  }
  return key;
}

/** SECURITY: the address bucket — never the raw IP. The plugin's default key generator. */
export function addressKey(request: FastifyRequest): string {
  return createHmac('sha256', bucketKey(request.server.secrets)).update(request.ip).digest('base64url').slice(0, 22);
}

/** The authenticated subject (set by the route's guard); the address only if a guard is missing. */
function subjectKey(request: FastifyRequest): string {
  if (request.requester) return `requester:${request.requester.id}`;
  if (request.staff) return `staff:${request.staff.id}`;
  return `anon:${addressKey(request)}`;
}

/** Sign-in attempts count per signing key tried: guessing against one key is slow from anywhere. */
function signPkKey(request: FastifyRequest): string {
  const body = request.body as { signPk?: unknown } | undefined;
  return `signPk:${typeof body?.signPk === 'string' ? body.signPk : ''}`;
}

const byAddress = (max: number) => ({ max, timeWindow: '1 minute' }) as const;
// preHandler: runs after the onRequest auth guard has set request.requester / request.staff.
const byAccount = (max: number) => ({ max, timeWindow: '1 minute', hook: 'preHandler', keyGenerator: subjectKey }) as const;

export const RATE_LIMITS = Object.freeze({
  // ---- anonymous: flood guards by (HMAC'd) address ----
  desk: byAddress(120),
  health: byAddress(120),
  keylogRead: byAddress(120),
  /** Issuing costs one hash; the work itself is the spam control. */
  pow: byAddress(600),
  setup: byAddress(10),
  /** The PoW is the real cost of registering. */
  register: byAddress(300),
  requesterChallenge: byAddress(600),
  staffPrelogin: byAddress(60),
  /**
   * Only a loose flood guard: over Tor every client shares one address, so a tight limit here
   * would let one guesser lock every member out. Guessing is stopped per account name instead
   * (services/sign-in-throttle.ts), which also counts failed second factors.
   */
  staffLogin: byAddress(300),
  staffInvite: byAddress(20),
  staffActivate: byAddress(20),
  notFound: byAddress(120),
  // ---- sign-in: by the key being tried (the body is parsed by then) ----
  requesterSession: { max: 10, timeWindow: '1 minute', hook: 'preHandler', keyGenerator: signPkKey } as const,
  // ---- authenticated: by account ----
  requesterLogout: byAccount(30),
  /** Failed attempts count too; each success also costs a PoW and is capped by the open-ticket quota. */
  createTicket: byAccount(30),
  myTickets: byAccount(60),
  threadRead: byAccount(120),
  threadPost: byAccount(30),
  attachmentWrite: byAccount(120),
  attachmentRead: byAccount(300),
  /** A 25 MiB file is ~400 chunks, so chunk routes allow bursts. */
  attachmentChunk: byAccount(3000),
  staffLogout: byAccount(60),
  staffMe: byAccount(300),
  twoFactorRead: byAccount(120),
  /** Enrol, confirm, disable: a wrong code to disable also counts toward the per-name throttle. */
  twoFactorWrite: byAccount(20),
  queue: byAccount(600),
  triage: byAccount(300),
  labelsRead: byAccount(300),
  labelsWrite: byAccount(60),
  admin: byAccount(120),
  keylogAppend: byAccount(60),
  rotation: byAccount(600),
});

export type RateLimitName = keyof typeof RATE_LIMITS;
