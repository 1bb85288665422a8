import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  AuditPage,
  AuditQuery,
  errorResponses,
  GrantsBody,
  GrantsStored,
  Invite,
  InviteBody,
  PatchedStaff,
  StaffList,
  StaffParams,
  StaffPatchBody,
} from '../../../../contract/index';
import { RATE_LIMITS } from '../../../rate-limits';
import { auditPage } from '../../../services/audit';
import { createInvite, listStaff, patchStaff } from '../../../services/staff-accounts';
import { storeGrants } from '../../../services/staff-grants';

const errors = errorResponses(400, 401, 403, 404, 409, 413, 429);
const bearer = [{ bearer: [] }];
const admin = { config: { rateLimit: RATE_LIMITS.admin } } as const;

/**
 * /api/admin: invites, staff management, grants and the audit log. Every route needs an admin
 * the key log vouches for (autohooks.ts, which also covers `rotation/`).
 */
const adminRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/invites',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'Invite a staff member: a one-time activation token, valid 72 hours',
        security: bearer,
        body: InviteBody,
        response: { 201: Invite, ...errors },
      },
      bodyLimit: 1024,
    },
    async (request, reply) => reply.code(201).send(createInvite(app.db, request.staff!.id, request.body.username, request.body.role)),
  );

  app.get('/staff', { ...admin, schema: { tags: ['admin'], summary: 'All staff accounts', security: bearer, response: { 200: StaffList, ...errors } } }, async () => ({
    staff: listStaff(app.db),
  }));

  app.patch(
    '/staff/:id',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'Disable / re-enable, change role, or reset (re-enrol) an account; revokes its sessions',
        security: bearer,
        params: StaffParams,
        body: StaffPatchBody,
        response: { 200: PatchedStaff, ...errors },
      },
      bodyLimit: 1024,
    },
    async (request) =>
      patchStaff(app.db, request.staff!.id, request.params.id, request.body, {
        revokeSessions: (id) => app.revokeSubjectSessions('staff', id),
      }),
  );

  app.post(
    '/grants',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'Store team secret keys sealed to members’ box keys',
        security: bearer,
        body: GrantsBody,
        response: { 201: GrantsStored, ...errors },
      },
      bodyLimit: 256 * 1024,
    },
    async (request, reply) => reply.code(201).send(storeGrants(app.db, request.staff!.id, request.body.grants)),
  );

  app.get(
    '/audit',
    {
      ...admin,
      schema: { tags: ['admin'], summary: 'Hash-chained audit log of staff actions', security: bearer, querystring: AuditQuery, response: { 200: AuditPage, ...errors } },
    },
    async (request) => auditPage(app.db, request.query.after, request.query.limit),
  );
};

export default adminRoutes;
