import { z } from 'zod';
import { b64OfLength, HASH_BYTES, idSchema } from '../../../../../protocol';
import { TICKET_PRIORITIES, TICKET_STATUSES } from '../../../../../db/schema';

/** A blind label tag: BLAKE2b-256-keyed(L, name), base64url. */
export const LabelTag = b64OfLength(HASH_BYTES).describe('blind label tag (BLAKE2b-256 keyed with the label key), base64url');
export const TicketStatus = z.enum(TICKET_STATUSES);
export const TicketPriority = z.enum(TICKET_PRIORITIES);
export const MAX_LABELS_PER_TICKET = 32;

export const TicketParams = z.strictObject({ id: idSchema });

export const QueueQuery = z.strictObject({
  status: TicketStatus.optional(),
  priority: TicketPriority.optional(),
  assignee: z
    .union([z.literal('mine'), z.literal('unassigned'), idSchema])
    .optional()
    .describe("a staff id, 'mine' (the caller) or 'unassigned'"),
  label: LabelTag.optional(),
  cursor: z.string().max(64).optional().describe('nextCursor of the previous page; opaque'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const TriageBody = z
  .strictObject({
    status: TicketStatus.optional(),
    priority: TicketPriority.optional(),
    assigneeId: idSchema.nullable().optional().describe('an active staff member, or null to unassign'),
    labels: z.array(LabelTag).max(MAX_LABELS_PER_TICKET).optional().describe('replaces the ticket’s whole tag set'),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'change at least one field' });

const TeamWrap = z.object({ teamKeyVersion: z.number().int(), sealed: z.string() });

export const StaffTicket = z.object({
  ticketId: z.string(),
  status: TicketStatus,
  priority: TicketPriority,
  assigneeId: z.string().nullable(),
  labels: z.array(z.string()),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  closedAt: z.number().int().nullable(),
  firstMessage: z.object({
    messageId: z.string(),
    seq: z.number().int(),
    kind: z.enum(['message', 'note']),
    author: z.union([z.object({ type: z.literal('requester') }), z.object({ type: z.literal('staff'), staffId: z.string() })]),
    envelope: z.object({ v: z.literal(1), nonce: z.string(), ct: z.string(), sig: z.string() }),
    createdAt: z.number().int(),
  }),
  teamWrap: TeamWrap.describe('K sealed to the newest team key version this ticket has a wrap for'),
  noteWrap: TeamWrap.nullable().describe('N sealed to the team key; null until the first internal note'),
  requesterSignPk: z.string(),
});

export const QueuePage = z.object({
  tickets: z.array(StaffTicket),
  nextCursor: z.string().nullable(),
  counts: z.object(Object.fromEntries(TICKET_STATUSES.map((s) => [s, z.number().int()])) as Record<(typeof TICKET_STATUSES)[number], z.ZodNumber>)
    .describe('tickets per status matching every filter except status'),
});
