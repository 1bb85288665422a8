import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import type { KdfParams } from '../../../protocol/index';
import { ID_PATTERN } from '../../../protocol/schemas';
import type { AppPluginOptions } from '../options';
import { AppError, forbidden, notFound, unauthorized } from '../../errors';
import { notAdmitted, staffStanding, standingIsAdmitted, standingIsKeyLogAdmin, type StaffStanding } from '../../services/staff-admission';
import { isTicketOwner, ticketExists } from '../../services/tickets';
import { affectedRows, tables, type Db } from '../../services/data';
import { first, prepareAs, preparedPer } from '../../services/prepared';
import { HOUR_SECONDS, hourFloor } from '../../services/quotas';
import { newId, nowSeconds } from './tokens';

/**
 * 'staff_enrolment': a staff member who signed in with the password while the desk requires
 * two-factor and they have none — it opens only the two-factor routes (requireStaffOrEnrolment).
 */
export type SubjectType = 'staff' | 'staff_enrolment' | 'requester';

/** Session lifetimes (DECISIONS.md §Sessions). */
export const SESSION_TTL_SECONDS: Readonly<Record<SubjectType, number>> = Object.freeze({
  staff: 60 * 60,
  staff_enrolment: 15 * 60,
  requester: 30 * 60,
});

export interface StaffPrincipal {
  id: string;
  username: string;
  role: 'technician' | 'admin';
  jti: string;
  /** What the session may do: a full staff session, or two-factor enrolment only. */
  scope: 'staff' | 'two_factor_enrolment';
}
export interface RequesterPrincipal {
  id: string;
  jti: string;
}
export interface IssuedSession {
  token: string;
  jti: string;
  /** Unix seconds. */
  expiresAt: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    issueSession(subjectType: SubjectType, subjectId: string): Promise<IssuedSession>;
    revokeSession(jti: string): Promise<void>;
    /**
     * Revokes every live session of a subject (disable, reset, role change). Returns how many.
     * Pass the transaction handle when the revocation belongs to a larger change.
     */
    revokeSubjectSessions(subjectType: SubjectType, subjectId: string, tx?: Db): Promise<number>;
    // The guards: ALL authorization lives here, and routes use them only as `onRequest` hooks
    // (per route, or for a whole folder in its autohooks.ts), so authentication always runs
    // before the body is parsed or validated. Each sets request.staff / request.requester.
    /** A requester session. */
    requireRequester(request: FastifyRequest): Promise<void>;
    /** An active staff account's session (login works before admission). */
    requireStaff(request: FastifyRequest): Promise<void>;
    /**
     * An active staff account's full session OR enrolment-only session: the two-factor routes,
     * where a member the policy holds back enrols their factor.
     */
    requireStaffOrEnrolment(request: FastifyRequest): Promise<void>;
    /** Staff the key log vouches for, holding a live grant: may read and work the desk. */
    requireAdmitted(request: FastifyRequest): Promise<void>;
    /** An admin the key log vouches for (not just `staff.role`): admin powers. */
    requireAdmin(request: FastifyRequest): Promise<void>;
    /** On a `/:id` ticket route: the requester who owns ticket `id`, or admitted staff. */
    requireTicketParticipant(request: FastifyRequest): Promise<void>;
    /** On a `/:id` requester route, after requireRequester: ticket `id` must be theirs. */
    requireOwnTicket(request: FastifyRequest): Promise<void>;
    /** Argon2id cost of stored authSecret hashes (buildApp's authHashKdf; AUTH_HASH_KDF in production). */
    authHashKdf: KdfParams;
    /** Lightest Argon2id parameters an enrolment may carry (buildApp's staffKdfFloor; STAFF_KDF_FLOOR in production). */
    staffKdfFloor: KdfParams;
  }
  interface FastifyRequest {
    /** Set by requireStaff / requireAdmin; null elsewhere. */
    staff: StaffPrincipal | null;
    /** Set by requireRequester; null elsewhere. */
    requester: RequesterPrincipal | null;
  }
}

/**
 * The times a session row keeps. SECURITY (metadata, THREAT-MODEL.md "Metadata the desk keeps"): a
 * requester's row is linked to the requester, so exact sign-in times would be a timeline of
 * their visits; they are kept to the hour like every other requester-side time. Expiry stays
 * exact: the token's own signed `exp` is checked by jwt.verify; the row's expiresAt is rounded
 * UP so the row never dies before the token. Revocation is by jti and unaffected.
 */
export function storedSessionTimes(subjectType: SubjectType, now: number, expiresAt: number): { createdAt: number; expiresAt: number } {
  if (subjectType !== 'requester') return { createdAt: now, expiresAt };
  return { createdAt: hourFloor(now), expiresAt: hourFloor(expiresAt + HOUR_SECONDS - 1) };
}

const Claims = z.object({
  sub: z.string().min(1),
  typ: z.enum(['staff', 'staff_enrolment', 'requester']),
  jti: z.string().min(1),
  exp: z.number(),
});

/**
 * SECURITY: a JWT's parts must be canonical base64url (no padding, unused trailing bits zero).
 * Decoders ignore those bits, so without this check one session has several valid spellings
 * (a flipped last character still verifies), and anything keyed on the token string (logs, a
 * deny list, a cache) can be sidestepped. One token, one spelling.
 */
export function isCanonicalCompactJws(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts.every((part) => part.length > 0 && Buffer.from(part, 'base64url').toString('base64url') === part);
}

/** Every authenticated request runs this lookup: prepared once per handle (see services/prepared.ts). */
const sessionByJti = preparedPer((db) => {
  const { sessions } = tables(db);
  return prepareAs(
    db,
    'session_by_jti',
    db
      .select({ subjectType: sessions.subjectType, subjectId: sessions.subjectId, expiresAt: sessions.expiresAt, revokedAt: sessions.revokedAt })
      .from(sessions)
      .where(eq(sessions.jti, sql.placeholder('jti'))),
  );
});

/** Revokes every live session of a subject; returns how many (see revokeSubjectSessions). */
export async function revokeSubjectSessionsIn(db: Db, subjectType: SubjectType, subjectId: string): Promise<number> {
  const { sessions } = tables(db);
  const result = await db
    .update(sessions)
    .set({ revokedAt: hourFloor(nowSeconds()) })
    // A staff member's enrolment-only sessions go with their full ones.
    .where(
      and(inArray(sessions.subjectType, subjectType === 'staff' ? ['staff', 'staff_enrolment'] : [subjectType]), eq(sessions.subjectId, subjectId), isNull(sessions.revokedAt)),
    );
  return affectedRows(result);
}

export default fp<Pick<AppPluginOptions, 'authHashKdf' | 'staffKdfFloor'>>(
  async (app, opts) => {
    app.decorate('authHashKdf', opts.authHashKdf);
    app.decorate('staffKdfFloor', opts.staffKdfFloor);
    app.decorateRequest('staff', null);
    app.decorateRequest('requester', null);
    const { sessions } = tables(app.db);

    app.decorate('issueSession', async (subjectType: SubjectType, subjectId: string): Promise<IssuedSession> => {
      const jti = newId();
      const now = nowSeconds();
      const expiresAt = now + SESSION_TTL_SECONDS[subjectType];
      await app.db.insert(sessions).values({ jti, subjectType, subjectId, ...storedSessionTimes(subjectType, now, expiresAt) });
      const token = app.jwt.sign({ sub: subjectId, typ: subjectType, jti, exp: expiresAt });
      return { token, jti, expiresAt };
    });

    app.decorate('revokeSession', async (jti: string) => {
      // To the hour for every kind of session: revocation is the flag (authenticate checks
      // revokedAt !== null, never its time), and the housekeeping sweep needs only the hour.
      await app.db
        .update(sessions)
        .set({ revokedAt: hourFloor(nowSeconds()) })
        .where(and(eq(sessions.jti, jti), isNull(sessions.revokedAt)));
    });

    app.decorate('revokeSubjectSessions', (subjectType: SubjectType, subjectId: string, tx?: Db) => revokeSubjectSessionsIn(tx ?? app.db, subjectType, subjectId));

    /**
     * SECURITY: a valid signature is not enough. The jti must name a live, unrevoked session row
     * of the same subject and kind, so logout/disable take effect on the very next request — on
     * every node: the row is read from the shared database on each request, never cached.
     */
    async function authenticate(request: FastifyRequest, expected: SubjectType | readonly SubjectType[]): Promise<z.infer<typeof Claims>> {
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_.-]+)$/.exec(header) : null;
      if (!match?.[1] || !isCanonicalCompactJws(match[1])) throw unauthorized();
      let claims: z.infer<typeof Claims>;
      try {
        claims = Claims.parse(app.jwt.verify(match[1]));
      } catch {
        throw unauthorized('invalid or expired token');
      }
      const session = await first(sessionByJti(app.db).execute({ jti: claims.jti }));
      if (!session || session.revokedAt !== null || session.expiresAt <= nowSeconds() || session.subjectType !== claims.typ || session.subjectId !== claims.sub) {
        throw unauthorized('session is not valid');
      }
      const accepted: readonly SubjectType[] = typeof expected === 'string' ? [expected] : expected;
      if (!accepted.includes(claims.typ)) {
        // SECURITY: an enrolment-only session opens nothing but enrolment (the key blob, the
        // queue, admin powers all need a full session); the code tells its client what to do.
        if (claims.typ === 'staff_enrolment' && accepted.includes('staff')) {
          throw new AppError('two_factor_enrolment_required', 'the desk requires two-factor: enrol a second factor first');
        }
        throw unauthorized('wrong kind of token for this route');
      }
      return claims;
    }

    /** The session's account, active, with its standing (one statement: staff-admission.ts). */
    async function loadActiveStaff(request: FastifyRequest, kinds: readonly SubjectType[] = ['staff']): Promise<{ principal: StaffPrincipal; standing: StaffStanding }> {
      const claims = await authenticate(request, kinds);
      const standing = await staffStanding(app.db, claims.sub);
      // SECURITY: disabled or reset accounts lose access even if a session row survived.
      if (!standing || standing.status !== 'active') throw unauthorized('account is not active');
      const scope = claims.typ === 'staff_enrolment' ? 'two_factor_enrolment' : 'staff';
      return { principal: { id: standing.id, username: standing.username, role: standing.role, jti: claims.jti, scope }, standing };
    }

    const requireStaff = async (request: FastifyRequest) => {
      request.staff = (await loadActiveStaff(request)).principal;
    };

    const requireAdmitted = async (request: FastifyRequest) => {
      const { principal, standing } = await loadActiveStaff(request);
      if (!(await standingIsAdmitted(app.db, standing))) throw notAdmitted();
      request.staff = principal;
    };

    const requireRequester = async (request: FastifyRequest) => {
      const claims = await authenticate(request, 'requester');
      request.requester = { id: claims.sub, jti: claims.jti };
    };

    app.decorate('requireStaff', requireStaff);
    app.decorate('requireStaffOrEnrolment', async (request: FastifyRequest) => {
      request.staff = (await loadActiveStaff(request, ['staff', 'staff_enrolment'])).principal;
    });
    app.decorate('requireAdmitted', requireAdmitted);
    app.decorate('requireRequester', requireRequester);

    app.decorate('requireAdmin', async (request: FastifyRequest) => {
      const { principal, standing } = await loadActiveStaff(request);
      if (principal.role !== 'admin') throw forbidden('admin role required');
      // SECURITY: the staff table alone does not make an admin. An activated but un-admitted
      // admin account (an intercepted admin invite) could otherwise reset the genesis admin and
      // leave the desk with no key that can extend the key log. Admin powers need the key log's
      // word: listed active, role admin, with exactly the keys on the staff row.
      if (!(await standingIsKeyLogAdmin(app.db, standing))) throw forbidden('admin powers need an admin the key log vouches for');
      request.staff = principal;
    });

    const requireOwnTicket = async (request: FastifyRequest) => {
      if (!request.requester) throw unauthorized();
      const ticketId = (request.params as { id?: unknown } | undefined)?.id;
      // A malformed id is nobody's ticket: the route's schema answers it with a 400 next (the
      // caller is authenticated by now, and a malformed id says nothing about existence).
      if (typeof ticketId === 'string' && !ID_PATTERN.test(ticketId)) return;
      // SECURITY: someone else's ticket answers exactly like a missing one, so ids cannot be
      // probed; without this check any requester reads every ticket.
      if (typeof ticketId !== 'string' || !(await isTicketOwner(app.db, ticketId, request.requester.id))) throw notFound('no such ticket');
    };
    app.decorate('requireOwnTicket', requireOwnTicket);

    app.decorate('requireTicketParticipant', async (request: FastifyRequest) => {
      // SECURITY: the unverified `typ` only picks which guard runs; that guard verifies the
      // signature, the session row and the kind again.
      const kind = claimedKind(request);
      // An enrolment-only staff session goes the staff way too, to get its own clear refusal.
      if (kind === 'staff' || kind === 'staff_enrolment') {
        await requireAdmitted(request);
        // Staff may work every ticket, but only tickets that exist: 404 before any write names one.
        const ticketId = (request.params as { id?: unknown } | undefined)?.id;
        if (typeof ticketId === 'string' && ID_PATTERN.test(ticketId) && !(await ticketExists(app.db, ticketId))) throw notFound('no such ticket');
        return;
      }
      await requireRequester(request);
      await requireOwnTicket(request);
    });

    function claimedKind(request: FastifyRequest): unknown {
      const header = request.headers.authorization;
      const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
      try {
        return (app.jwt.decode(token) as { typ?: unknown } | null)?.typ;
      } catch {
        return undefined;
      }
    }
  },
  { name: 'auth', dependencies: ['db', 'jwt'] },
);
