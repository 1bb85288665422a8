import { asc, gt } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../../../../db/schema';
import { ErrorResponse } from '../../../errors';
import { createInvite, listStaff, patchStaff } from '../../../services/staff-accounts';
import { requireAdmitted } from '../../../services/staff-admission';
import { storeGrants } from '../../../services/staff-grants';
import { idSchema, roleSchema, sealedGrantSchema, statusSchema, usernameSchema } from '../../../services/staff-schemas';
import { registerSubRoutes } from '../staff/autoload';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse, 429: ErrorResponse } as const;
const SMALL_BODY = 16 * 1024;
const MAX_GRANTS = 500;
const AUDIT_PAGE_MAX = 500;

const StaffRow = z.object({
  staffId: z.string(),
  username: z.string(),
  role: roleSchema,
  status: statusSchema,
  boxPk: z.string().nullable(),
  signPk: z.string().nullable(),
  admitted: z.boolean(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});

const PatchBody = z.union([
  z.strictObject({ status: z.enum(['disabled', 'active']) }),
  z.strictObject({ role: roleSchema }),
  z.strictObject({ reset: z.literal(true) }),
]);

const AuditEntry = z.object({
  seq: z.number().int(),
  at: z.number().int(),
  actorStaffId: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

/**
 * /api/admin: invites, staff management, grants and the audit log. Every route is admin-only.
 * Sub-folders (`rotation/`) are registered inside this plugin.
 */
const adminRoutes: FastifyPluginAsyncZod = async (app) => {
  app.decorate('requireAdmitted', requireAdmitted);
  // SECURITY: one hook for the whole scope, sub-plugins included: every /api/admin route is
  // admin-only by construction, and authorization runs before body validation, so a
  // non-admin learns nothing about the shapes behind it.
  app.addHook('onRequest', app.requireAdmin);
  const admin = { config: { rateLimit: { max: 120, timeWindow: '1 minute' } } } as const;

  app.post(
    '/invites',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'Invite a staff member: a one-time activation token, valid 72 hours',
        security: [{ bearer: [] }],
        body: z.strictObject({ username: usernameSchema, role: roleSchema }),
        response: { 201: z.object({ inviteToken: z.string(), expiresAt: z.number().int() }), ...errors },
      },
      bodyLimit: 1024,
    },
    async (request, reply) => reply.code(201).send(createInvite(app.db, request.staff!.id, request.body.username, request.body.role)),
  );

  app.get(
    '/staff',
    {
      ...admin,
      schema: { tags: ['admin'], summary: 'All staff accounts', security: [{ bearer: [] }], response: { 200: z.object({ staff: z.array(StaffRow) }), ...errors } },
    },
    async () => ({ staff: listStaff(app.db) }),
  );

  app.patch(
    '/staff/:id',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'Disable / re-enable, change role, or reset (re-enrol) an account; revokes its sessions',
        security: [{ bearer: [] }],
        params: z.strictObject({ id: idSchema }),
        body: PatchBody,
        response: {
          200: z.object({
            staffId: z.string(),
            status: statusSchema,
            role: roleSchema,
            inviteToken: z.string().optional().describe('reset only: the one-time re-enrolment token'),
            expiresAt: z.number().int().optional(),
          }),
          ...errors,
        },
      },
      bodyLimit: 1024,
    },
    async (request) =>
      patchStaff(app.db, request.staff!.id, request.params.id, request.body, {
        revokeSessions: (id) => app.revokeSubjectSessions('staff', id),
      }) as { staffId: string; status: 'active' | 'disabled' | 'reset'; role: 'admin' | 'technician'; inviteToken?: string; expiresAt?: number },
  );

  app.post(
    '/grants',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'Store team secret keys sealed to members’ box keys',
        security: [{ bearer: [] }],
        body: z.strictObject({
          grants: z
            .array(z.strictObject({ staffId: idSchema, teamKeyVersion: z.number().int().min(1).max(1_000_000), sealed: sealedGrantSchema }))
            .min(1)
            .max(MAX_GRANTS),
        }),
        response: { 201: z.object({ stored: z.number().int() }), ...errors },
      },
      bodyLimit: 256 * 1024,
    },
    async (request, reply) => reply.code(201).send(storeGrants(app.db, request.staff!.id, request.body.grants)),
  );

  app.get(
    '/audit',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'Hash-chained audit log of staff actions',
        security: [{ bearer: [] }],
        querystring: z.strictObject({
          after: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(100),
        }),
        response: { 200: z.object({ entries: z.array(AuditEntry), nextAfter: z.number().int().nullable() }), ...errors },
      },
    },
    async (request) => {
      const { after, limit } = request.query;
      const rows = app.db.select().from(audit).where(gt(audit.seq, after)).orderBy(asc(audit.seq)).limit(limit + 1).all();
      const page = rows.slice(0, limit);
      return {
        entries: page.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> })),
        nextAfter: rows.length > limit ? (page[page.length - 1]?.seq ?? null) : null,
      };
    },
  );

  await registerSubRoutes(app, import.meta.url);
};

export default adminRoutes;
