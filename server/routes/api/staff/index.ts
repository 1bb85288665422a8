import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ready } from '../../../../protocol/index';
import { ErrorResponse, unauthorized } from '../../../errors';
import { activate, describeInvite, staffProfile } from '../../../services/staff-accounts';
import { requireAdmitted } from '../../../services/staff-admission';
import { checkLogin, prelogin, preloginSaltKey, warmDummyHash } from '../../../services/staff-auth';
import {
  authSecretSchema,
  enrolmentFields,
  grantOut,
  idSchema,
  keyBlobSchema,
  roleSchema,
  statusSchema,
  usernameSchema,
} from '../../../services/staff-schemas';
import { registerSubRoutes } from './autoload';

const SMALL_BODY = 16 * 1024;
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse, 429: ErrorResponse } as const;
// SECURITY: the login path uses the strict username pattern too. A 400 for a name no account
// can have reveals nothing; accepting "TOM" would (its fake salt would equal that of an
// unknown "tom", so a real "tom" would stand out).
const loginName = usernameSchema;

const Prelogin = z.object({
  salt: z.string().describe('16 bytes base64url: the account salt, or a stable fake one'),
  opslimit: z.number().int(),
  memlimit: z.number().int(),
});
const Me = z.object({
  staffId: z.string(),
  username: z.string(),
  role: roleSchema,
  status: statusSchema,
  admitted: z.boolean().describe('in the key log with these keys and holding a live grant'),
  kdf: z.object({ salt: z.string(), opslimit: z.number().int(), memlimit: z.number().int() }),
  keyBlob: keyBlobSchema,
  grants: z.array(grantOut),
});

/**
 * /api/staff: prelogin, login, logout, me, invite lookup and activation (SPEC §4, §8).
 * Sub-folders (`tickets/`, `labels/`) are registered inside this plugin and see
 * `app.requireAdmitted`.
 */
const staffRoutes: FastifyPluginAsyncZod = async (app) => {
  await ready();
  const saltKey = preloginSaltKey(app.secrets.jwtKey);
  // Computed now so the first unknown-name login costs the same as every later one.
  warmDummyHash();
  app.decorate('requireAdmitted', requireAdmitted);

  app.post(
    '/prelogin',
    {
      schema: {
        tags: ['staff'],
        summary: 'Argon2id salt and parameters for a username (indistinguishable for unknown names)',
        body: z.strictObject({ username: loginName }),
        response: { 200: Prelogin, ...errors },
      },
      bodyLimit: 1024,
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
    },
    async (request) => prelogin(app.db, saltKey, request.body.username),
  );

  app.post(
    '/login',
    {
      schema: {
        tags: ['staff'],
        summary: 'Log in with the Argon2id-derived authSecret',
        body: z.strictObject({ username: loginName, authSecret: authSecretSchema }),
        response: { 200: z.object({ token: z.string(), expiresAt: z.number().int(), staffId: z.string() }), ...errors },
      },
      bodyLimit: 1024,
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
    },
    async (request) => {
      const { username, authSecret } = request.body;
      const staffId = checkLogin(app.db, username, authSecret);
      if (!staffId) {
        // Username only: never the secret. The same body for every failure (SPEC §8).
        app.appendAudit(null, 'staff.login_failed', username.slice(0, 64), {});
        throw unauthorized('wrong username or password');
      }
      const session = app.issueSession('staff', staffId);
      app.appendAudit(staffId, 'staff.login', staffId, {});
      return { token: session.token, expiresAt: session.expiresAt, staffId };
    },
  );

  app.post(
    '/logout',
    {
      schema: { tags: ['staff'], summary: 'Revoke this session', security: [{ bearer: [] }], response: { 200: z.object({ ok: z.literal(true) }), ...errors } },
      onRequest: app.requireStaff,
      bodyLimit: 1024,
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
    },
    async (request) => {
      const me = request.staff!;
      app.revokeSession(me.jti);
      app.appendAudit(me.id, 'staff.logout', me.id, {});
      return { ok: true as const };
    },
  );

  app.get(
    '/me',
    {
      schema: { tags: ['staff'], summary: 'Own profile, sealed key blob and grants', security: [{ bearer: [] }], response: { 200: Me, ...errors } },
      onRequest: app.requireStaff,
      config: { rateLimit: { max: 300, timeWindow: '1 minute' } },
    },
    async (request) => staffProfile(app.db, request.staff!.id),
  );

  app.post(
    '/invite',
    {
      schema: {
        tags: ['staff'],
        summary: 'What an invite token is for: username, role, and the staffId to keep when re-enrolling',
        body: z.strictObject({ inviteToken: z.string().min(1).max(128) }),
        response: {
          200: z.object({ username: z.string(), role: roleSchema, staffId: z.string().nullable(), expiresAt: z.number().int() }),
          ...errors,
        },
      },
      bodyLimit: 1024,
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
    },
    async (request) => describeInvite(app.db, request.body.inviteToken),
  );

  app.post(
    '/activate',
    {
      schema: {
        tags: ['staff'],
        summary: 'Turn an invite into an account with keys (new member or re-enrolment)',
        body: z.strictObject({ inviteToken: z.string().min(1).max(128), staffId: idSchema, ...enrolmentFields }),
        response: { 201: z.object({ staffId: z.string(), username: z.string(), role: roleSchema }), ...errors },
      },
      bodyLimit: SMALL_BODY,
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const { inviteToken, staffId, ...enrolment } = request.body;
      const created = activate(app.db, inviteToken, staffId, enrolment);
      return reply.code(201).send(created);
    },
  );

  await registerSubRoutes(app, import.meta.url);
};

export default staffRoutes;
