import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  AuditPage,
  AuditQuery,
  DeskPolicy,
  errorResponses,
  GrantsBody,
  GrantsStored,
  Invite,
  InviteBody,
  InviteCancelled,
  InviteParams,
  LabelKeyBody,
  LabelKeyStored,
  PatchedStaff,
  StaffList,
  StaffParams,
  StaffPatchBody,
} from '../../../../contract/index';
import { RATE_LIMITS } from '../../../rate-limits';
import { auditPage } from '../../../services/audit';
import { deskPolicy } from '../../../services/desk';
import { storeLabelKey } from '../../../services/labels';
import { cancelInvites, createInvite, listStaff, patchStaff } from '../../../services/staff-accounts';
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
    async (request, reply) => reply.code(201).send(await createInvite(app.db, request.staff!.id, request.body.username, request.body.role, request.body.ttlHours)),
  );

  app.delete(
    '/invites/:username',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'Cancel every pending invite (or re-enrolment link) for a username; audited',
        security: bearer,
        params: InviteParams,
        response: { 200: InviteCancelled, ...errors },
      },
    },
    async (request) => cancelInvites(app.db, request.staff!.id, request.params.username),
  );

  app.get(
    '/staff',
    { ...admin, schema: { tags: ['admin'], summary: 'All staff accounts with their state, and the pending invites', security: bearer, response: { 200: StaffList, ...errors } } },
    async () => listStaff(app.db),
  );

  app.patch(
    '/staff/:id',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'Disable (with the signed staff-remove) / re-enable, change role (with the signed role-set), or reset (re-enrol) an account; revokes its sessions',
        security: bearer,
        params: StaffParams,
        body: StaffPatchBody,
        response: { 200: PatchedStaff, ...errors },
      },
      bodyLimit: 16 * 1024,
    },
    async (request) =>
      patchStaff(app.db, request.staff!.id, request.params.id, request.body, {
        revokeSessions: (tx, id) => app.revokeSubjectSessions('staff', id, tx),
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
    async (request, reply) => reply.code(201).send(await storeGrants(app.db, request.staff!.id, request.body.grants)),
  );

  app.get(
    '/audit',
    {
      ...admin,
      schema: { tags: ['admin'], summary: 'Hash-chained audit log of staff actions', security: bearer, querystring: AuditQuery, response: { 200: AuditPage, ...errors } },
    },
    async (request) => auditPage(app.db, request.query.after, request.query.limit, { who: request.query.who, what: request.query.what, since: request.query.since }),
  );

  app.get(
    '/policy',
    {
      ...admin,
      schema: { tags: ['admin'], summary: 'The desk policy as configured, and what may change at run time', security: bearer, response: { 200: DeskPolicy, ...errors } },
    },
    async () => deskPolicy(app.db, app.config),
  );

  app.post(
    '/label-key',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'A desk without a label key: append the signed label-key entry and store L sealed to the current team key, together',
        security: bearer,
        body: LabelKeyBody,
        response: { 201: LabelKeyStored, ...errors },
      },
      bodyLimit: 16 * 1024,
    },
    async (request, reply) => reply.code(201).send(await storeLabelKey(app.db, request.staff!.id, request.body)),
  );
};

export default adminRoutes;
