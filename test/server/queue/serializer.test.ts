// The queue routes' response serializer (routes/api/staff/tickets: zod parse, then JSON) is still
// the output filter the app's serializer is (zod encode, then JSON): same bytes for what the
// contract declares, nothing it does not declare, a failure for a value of the wrong shape.
import { serializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { QueuePage, StaffTicket } from '../../../contract/index';
import { queueSerializerCompiler } from '../../../server/routes/api/staff/tickets/index';
import { bearer, seedLabel, seedRequester, seedTicket, withDesk } from '../../helpers/desk';

const route = { method: 'GET', url: '/api/staff/tickets', httpStatus: '200' } as const;
const queueSerialize = queueSerializerCompiler({ ...route, schema: QueuePage }) as (data: unknown) => string;
const appSerialize = serializerCompiler({ ...route, schema: QueuePage }) as (data: unknown) => string;

const fx = withDesk({ via: 'db', technicians: ['tech'] });

async function servedPage(): Promise<{ body: string; page: QueuePage }> {
  const requester = await seedRequester(fx.app);
  const tag = await seedLabel(fx.app, fx.desk, `l${Math.random()}`);
  await seedTicket(fx.app, fx.desk, requester, { labelTags: [tag], withNotes: true, assigneeId: fx.staff.tech.staffId });
  await seedTicket(fx.app, fx.desk, requester, { status: 'closed' });
  const res = await fx.app.inject({ method: 'GET', url: '/api/staff/tickets', headers: bearer(fx.staff.tech.token) });
  expect(res.statusCode).toBe(200);
  return { body: res.body, page: res.json<QueuePage>() };
}

describe('queue response serializer', () => {
  it('sends the bytes the app serializer would send for the same page', async () => {
    const { body, page } = await servedPage();
    expect(page.tickets.length).toBeGreaterThanOrEqual(2);
    expect(appSerialize(page)).toBe(body);
    expect(queueSerialize(page)).toBe(body);
  });

  it('drops every property the contract does not declare, at every depth', async () => {
    const { body, page } = await servedPage();
    const [first, ...rest] = page.tickets;
    const dirty = {
      ...page,
      internal: 'page secret',
      counts: { ...page.counts, hidden: 7 },
      tickets: [
        {
          ...first!,
          requesterId: 'a requester id',
          firstMessage: { ...first!.firstMessage, ticketId: 'x' },
          teamWrap: { ...first!.teamWrap, recipient: 'team' },
        },
        ...rest,
      ],
    };
    const sent = queueSerialize(dirty);
    expect(sent).toBe(body);
    for (const secret of ['internal', 'hidden', 'requesterId', 'recipient', '"ticketId":"x"']) expect(sent).not.toContain(secret);
    expect(sent).toBe(appSerialize(dirty));
    // The envelope is a strict object in the contract: an extra key there fails both serializers.
    const extraInEnvelope = { ...page, tickets: [{ ...first!, firstMessage: { ...first!.firstMessage, envelope: { ...first!.firstMessage.envelope, plaintext: 'never' } } }] };
    expect(() => appSerialize(extraInEnvelope)).toThrow();
    expect(() => queueSerialize(extraInEnvelope)).toThrow();
  });

  it('refuses a value of the wrong shape instead of sending it', async () => {
    const { page } = await servedPage();
    expect(() => queueSerialize({ ...page, tickets: [{ ...page.tickets[0], status: 'deleted' }] })).toThrow();
    expect(() => queueSerialize({ ...page, nextCursor: 5 })).toThrow();
    const ticketSerialize = queueSerializerCompiler({ ...route, url: '/api/staff/tickets/:id', schema: StaffTicket }) as (data: unknown) => string;
    expect(() => ticketSerialize({ ...page.tickets[0], teamWrap: null })).toThrow();
  });
});
