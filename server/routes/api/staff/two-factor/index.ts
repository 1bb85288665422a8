import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConfirmTotpBody, DisableTwoFactorBody, errorResponses, TotpConfirmed, TotpEnrolment, TwoFactorDisabled, TwoFactorStatus } from '../../../../../contract/index';
import { RATE_LIMITS } from '../../../../rate-limits';
import { assertNotThrottled, recordSignInFailure, SignInThrottled, throttleKey } from '../../../../services/sign-in-throttle';
import { beginTotpEnrolment, confirmTotpEnrolment, disableOwnTwoFactor, twoFactorKeys, twoFactorStatus } from '../../../../services/two-factor';
import { AppError } from '../../../../errors';

const errors = errorResponses(400, 401, 403, 409, 413, 429);
const bearer = [{ bearer: [] }];

/**
 * /api/staff/two-factor: the signed-in member's own TOTP factor (docs/API.md "Two-factor
 * sign-in"): status, enrol (begin → confirm with a code), disable with a code.
 */
const twoFactorRoutes: FastifyPluginAsyncZod = async (app) => {
  const keys = twoFactorKeys(app.secrets.jwtKey);
  const throttle = throttleKey(app.secrets.jwtKey);

  app.get(
    '',
    {
      schema: {
        tags: ['staff'],
        summary: 'Whether two-factor is on, pending or required, and recovery codes left',
        security: bearer,
        response: { 200: TwoFactorStatus, ...errors },
      },
      config: { rateLimit: RATE_LIMITS.twoFactorRead },
    },
    async (request) => twoFactorStatus(app.db, request.staff!.id),
  );

  app.post(
    '/enrolment',
    {
      schema: {
        tags: ['staff'],
        summary: 'Begin TOTP enrolment: a new secret (base32 and otpauth:// URI), active only once confirmed',
        security: bearer,
        body: z.strictObject({}),
        response: { 201: TotpEnrolment, ...errors },
      },
      bodyLimit: 1024,
      config: { rateLimit: RATE_LIMITS.twoFactorWrite },
    },
    async (request, reply) => reply.code(201).send(await beginTotpEnrolment(app.db, keys, request.staff!.id, request.staff!.username)),
  );

  app.post(
    '/confirmation',
    {
      schema: {
        tags: ['staff'],
        summary: 'Confirm enrolment with a current code: turns two-factor on and returns the recovery codes, once',
        security: bearer,
        body: ConfirmTotpBody,
        response: { 200: TotpConfirmed, ...errors },
      },
      bodyLimit: 1024,
      config: { rateLimit: RATE_LIMITS.twoFactorWrite },
    },
    async (request) => {
      const me = request.staff!;
      const recoveryCodes = await confirmTotpEnrolment(app.db, keys, me.id, me.username, request.body.totp);
      if (me.scope === 'staff') return { recoveryCodes, session: null };
      // Password and a fresh code are both proven now: swap the enrolment-only session for a full one.
      await app.revokeSession(me.jti);
      const session = await app.issueSession('staff', me.id);
      return { recoveryCodes, session: { token: session.token, expiresAt: session.expiresAt, staffId: me.id, scope: 'staff' as const } };
    },
  );

  app.post(
    '/disable',
    {
      schema: {
        tags: ['staff'],
        summary: 'Turn two-factor off with a current code or a recovery code; signs the member out everywhere',
        security: bearer,
        body: DisableTwoFactorBody,
        response: { 200: TwoFactorDisabled, ...errors },
      },
      bodyLimit: 1024,
      config: { rateLimit: RATE_LIMITS.twoFactorWrite },
    },
    async (request, reply) => {
      const me = request.staff!;
      try {
        // SECURITY: a stolen session must not be able to guess its way to removing the factor:
        // wrong codes here count toward the same per-name back-off as sign-in.
        await assertNotThrottled(app.db, throttle, me.username);
        if (!(await disableOwnTwoFactor(app.db, keys, me.id, me.username, request.body))) {
          await recordSignInFailure(app.db, throttle, me.username);
          throw new AppError('two_factor_invalid', 'the code is wrong, expired or already used');
        }
      } catch (err) {
        if (err instanceof SignInThrottled) void reply.header('retry-after', String(err.retryAfterSeconds));
        throw err;
      }
      // A change of factor ends every session (this one too): the next sign-in follows the new rules.
      await app.revokeSubjectSessions('staff', me.id);
      return { ok: true as const, signedOut: true as const };
    },
  );
};

export default twoFactorRoutes;
