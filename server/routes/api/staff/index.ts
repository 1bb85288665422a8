import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { Activated, ActivateBody, errorResponses, InviteInfo, InviteLookupBody, LoggedOut, LoginBody, Me, Prelogin, PreloginBody, StaffSession } from '../../../../contract/index';
import { ready } from '../../../../protocol/index';
import { RATE_LIMITS } from '../../../rate-limits';
import { activate, describeInvite, staffProfile } from '../../../services/staff-accounts';
import { SignInThrottled, throttleKey } from '../../../services/sign-in-throttle';
import { checkStaffKdf } from '../../../services/staff-kdf';
import { dummyHash, logIn, logOut, prelogin, preloginSaltKey } from '../../../services/staff-auth';
import { twoFactorKeys } from '../../../services/two-factor';

const errors = errorResponses(400, 401, 403, 409, 413, 429);
const SMALL_BODY = 16 * 1024;

/**
 * /api/staff: prelogin, login, logout, me, invite lookup and activation (SPEC §4, §8). Mixed
 * access, so each route names its guard; the sub-folders (`tickets/`, `labels/`) are admitted
 * staff only through their autohooks.
 */
const staffRoutes: FastifyPluginAsyncZod = async (app) => {
  await ready();
  const saltKey = preloginSaltKey(app.secrets.jwtKey);
  const signInKeys = { throttle: throttleKey(app.secrets.jwtKey), twoFactor: twoFactorKeys(app.secrets.jwtKey) };
  // Computed now so the first unknown-name login costs the same as every later one.
  dummyHash(app.authHashKdf);

  app.post(
    '/prelogin',
    {
      schema: {
        tags: ['staff'],
        summary: 'Argon2id salt and parameters for a username (indistinguishable for unknown names)',
        body: PreloginBody,
        response: { 200: Prelogin, ...errors },
      },
      bodyLimit: 1024,
      config: { rateLimit: RATE_LIMITS.staffPrelogin },
    },
    async (request) => prelogin(app.db, saltKey, request.body.username),
  );

  app.post(
    '/login',
    {
      schema: {
        tags: ['staff'],
        summary: 'Log in with the Argon2id-derived authSecret, plus a TOTP or recovery code when two-factor is on',
        body: LoginBody,
        response: { 200: StaffSession, ...errors },
      },
      bodyLimit: 1024,
      config: { rateLimit: RATE_LIMITS.staffLogin },
    },
    async (request, reply) => {
      try {
        const { staffId, scope } = await logIn(app.db, signInKeys, request.body, app.authHashKdf);
        const session = await app.issueSession(scope === 'staff' ? 'staff' : 'staff_enrolment', staffId);
        return { token: session.token, expiresAt: session.expiresAt, staffId, scope };
      } catch (err) {
        if (err instanceof SignInThrottled) void reply.header('retry-after', String(err.retryAfterSeconds));
        throw err;
      }
    },
  );

  app.post(
    '/logout',
    {
      schema: { tags: ['staff'], summary: 'Revoke this session', security: [{ bearer: [] }], response: { 200: LoggedOut, ...errors } },
      // An enrolment-only session can sign out too.
      onRequest: app.requireStaffOrEnrolment,
      bodyLimit: 1024,
      config: { rateLimit: RATE_LIMITS.staffLogout },
    },
    async (request) => {
      const me = request.staff!;
      await app.revokeSession(me.jti);
      await logOut(app.db, me.id);
      return { ok: true as const };
    },
  );

  app.get(
    '/me',
    {
      schema: { tags: ['staff'], summary: 'Own profile, sealed key blob and grants', security: [{ bearer: [] }], response: { 200: Me, ...errors } },
      onRequest: app.requireStaff,
      config: { rateLimit: RATE_LIMITS.staffMe },
    },
    async (request) => staffProfile(app.db, request.staff!.id),
  );

  app.post(
    '/invite',
    {
      schema: {
        tags: ['staff'],
        summary: 'What an invite token is for: username, role, and the staffId to keep when re-enrolling',
        body: InviteLookupBody,
        response: { 200: InviteInfo, ...errors },
      },
      bodyLimit: 1024,
      config: { rateLimit: RATE_LIMITS.staffInvite },
    },
    async (request) => describeInvite(app.db, request.body.inviteToken),
  );

  app.post(
    '/activate',
    {
      schema: {
        tags: ['staff'],
        summary: 'Turn an invite into an account with keys (new member or re-enrolment)',
        body: ActivateBody,
        response: { 201: Activated, ...errors },
      },
      bodyLimit: SMALL_BODY,
      config: { rateLimit: RATE_LIMITS.staffActivate },
    },
    async (request, reply) => {
      const { inviteToken, staffId, ...enrolment } = request.body;
      checkStaffKdf(enrolment.kdf, app.staffKdfFloor);
      const created = await activate(app.db, inviteToken, staffId, enrolment, app.authHashKdf);
      return reply.code(201).send(created);
    },
  );
};

export default staffRoutes;
