import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorResponse } from '../../../../errors';
import { listQueue, getStaffTicket } from '../../../../services/queue';
import { staffSessionKey } from '../../../../services/queue-rate-key';
import { requireAdmitted } from '../../../../services/staff-admission';
import { decodeCursor } from '../../../../services/queue-cursor';
import { updateTriage } from '../../../../services/queue-triage';
import { QueuePage, QueueQuery, StaffTicket, TicketParams, TriageBody } from './schemas';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 429: ErrorResponse, 500: ErrorResponse };

/**
 * The technicians' queue. Registered inside the /api/staff plugin (its autoload), so paths are
 * relative to /api/staff. Every route needs an admitted staff member (`requireAdmitted`, the
 * staff room's one definition); every admitted technician sees and triages every ticket, since
 * tickets are sealed to the team, not to people.
 */
const staffTicketRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/tickets',
    {
      schema: {
        tags: ['staff'],
        summary: 'The ticket queue, newest first, keyset-paginated',
        querystring: QueueQuery,
        response: { 200: QueuePage, ...errors },
      },
      // Authentication before body parsing and validation: strangers learn nothing about shapes.
      onRequest: requireAdmitted,
      config: { rateLimit: { max: 600, timeWindow: '1 minute', keyGenerator: staffSessionKey } },
    },
    async (request) => {
      const q = request.query;
      const viewer = request.staff!.id;
      return listQueue(app.db, {
        status: q.status,
        priority: q.priority,
        assigneeId: q.assignee === 'mine' ? viewer : q.assignee === 'unassigned' ? null : q.assignee,
        label: q.label,
        before: q.cursor === undefined ? undefined : decodeCursor(q.cursor),
        limit: q.limit,
      });
    },
  );

  app.get(
    '/tickets/:id',
    {
      schema: {
        tags: ['staff'],
        summary: 'One ticket with its wraps',
        params: TicketParams,
        response: { 200: StaffTicket, ...errors },
      },
      // Authentication before body parsing and validation: strangers learn nothing about shapes.
      onRequest: requireAdmitted,
      config: { rateLimit: { max: 600, timeWindow: '1 minute', keyGenerator: staffSessionKey } },
    },
    async (request) => getStaffTicket(app.db, request.params.id),
  );

  app.patch(
    '/tickets/:id',
    {
      schema: {
        tags: ['staff'],
        summary: 'Triage: status, priority, assignee, label tags (audited)',
        params: TicketParams,
        body: TriageBody,
        response: { 200: StaffTicket, ...errors },
      },
      // Authentication before body parsing and validation: strangers learn nothing about shapes.
      onRequest: requireAdmitted,
      bodyLimit: 16 * 1024,
      config: { rateLimit: { max: 300, timeWindow: '1 minute', keyGenerator: staffSessionKey } },
    },
    async (request) => updateTriage(app.db, request.staff!.id, request.params.id, request.body),
  );
};

export default staffTicketRoutes;
