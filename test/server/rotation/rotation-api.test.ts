import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { testTables } from '../../helpers/app';
import * as p from '../../../protocol/index';
import { bearer, seedRequester, seedTeamKey, seedTicket, teamPublicKey, withDesk, type SignedInStaff, type SeededTicket } from '../../helpers/desk';

const { wraps } = testTables;

interface Status {
  currentVersion: number | null;
  previousVersions: { version: number; wraps: number; retired: boolean }[];
  pending: { tickets: number; notes: number; labels: number };
  batch: { ticketId: string; keyKind: 'ticket' | 'note'; teamKeyVersion: number; sealed: string }[];
  nextCursor: string | null;
  staffWithoutGrant: { staffId: string; username: string; boxPk: string }[];
}

const fx = withDesk({ via: 'db', technicians: ['tom'], each: true });
let admin: SignedInStaff;
let tech: SignedInStaff;
let v1: p.TeamKeyPair;
let v2: p.TeamKeyPair;
let seeded: SeededTicket[];

async function status(query = ''): Promise<Status> {
  const res = await fx.app.inject({ method: 'GET', url: `/api/admin/rotation${query}`, headers: bearer(admin.token) });
  expect(res.statusCode).toBe(200);
  return res.json<Status>();
}

function rewrap(body: Record<string, unknown>, token = admin.token) {
  return fx.app.inject({ method: 'POST', url: '/api/admin/rewrap', headers: bearer(token), payload: body });
}

const reseal = (batch: Status['batch']) =>
  batch.map((w) => ({
    ticketId: w.ticketId,
    keyKind: w.keyKind,
    ...p.rewrapForRotation({ teamKeyVersion: w.teamKeyVersion, sealed: w.sealed }, v1, teamPublicKey(fx.desk, 2)),
  }));

beforeEach(async () => {
  // Given a desk with 5 tickets (2 with notes) wrapped to v1 (granted to the admin and tom), and v2
  // just appended and granted to the admin only
  admin = fx.desk.admin;
  tech = fx.staff.tom;
  const requester = await seedRequester(fx.app);
  seeded = [];
  for (let i = 0; i < 5; i++) seeded.push(await seedTicket(fx.app, fx.desk, requester, { withNotes: i < 2 }));
  await seedTeamKey(fx.app, fx.desk);
  v1 = fx.desk.teamKeys.get(1)!;
  v2 = fx.desk.teamKeys.get(2)!;
});

describe('GET /api/admin/rotation', () => {
  it('reports the current version, what still needs a wrap for it, and who lacks a grant', async () => {
    const s = await status();
    expect(s.currentVersion).toBe(2);
    expect(s.previousVersions).toEqual([{ version: 1, wraps: 7, retired: false }]);
    expect(s.pending).toEqual({ tickets: 5, notes: 2, labels: 0 });
    expect(s.batch).toHaveLength(7);
    expect(s.batch.every((w) => w.teamKeyVersion === 1)).toBe(true);
    expect(s.staffWithoutGrant.map((x) => x.staffId)).toEqual([tech.staffId]);
    expect(s.nextCursor).toBeNull();
  });

  it('pages through the pending wraps with limit and cursor, each exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Status = await status(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.batch.length).toBeLessThanOrEqual(3);
      seen.push(...page.batch.map((w) => `${w.ticketId}/${w.keyKind}`));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });

  it('refuses a technician (403) and a requester token (401)', async () => {
    const asTech = await fx.app.inject({ method: 'GET', url: '/api/admin/rotation', headers: bearer(tech.token) });
    expect(asTech.statusCode).toBe(403);
    const requester = await seedRequester(fx.app);
    const asRequester = await fx.app.inject({ method: 'GET', url: '/api/admin/rotation', headers: bearer(requester.token) });
    expect(asRequester.statusCode).toBe(401);
    expect(asRequester.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('rejects a forged cursor with 400', async () => {
    const res = await fx.app.inject({ method: 'GET', url: '/api/admin/rotation?cursor=bm9wZQ', headers: bearer(admin.token) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'validation_failed' } });
  });
});

describe('POST /api/admin/rewrap', () => {
  it('stores re-sealed wraps so that every ticket and note key opens with the new team key', async () => {
    // When the admin re-seals every pending wrap to v2
    const res = await rewrap({ wraps: reseal((await status()).batch) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ written: 7 });

    // Then nothing is pending and each key opens with v2 to the same bytes
    expect((await status()).pending).toEqual({ tickets: 0, notes: 0, labels: 0 });
    for (const ticket of seeded) {
      const rows = await fx.t.db.select().from(wraps).where(eq(wraps.ticketId, ticket.ticketId));
      const k = rows.find((r) => r.keyKind === 'ticket' && r.teamKeyVersion === 2)!;
      expect(p.toB64(p.openTeamWrap({ teamKeyVersion: 2, sealed: k.sealed }, v2, 'ticket'))).toBe(p.toB64(ticket.ticketKey));
      const n = rows.find((r) => r.keyKind === 'note' && r.teamKeyVersion === 2);
      if (ticket.noteKey) expect(p.toB64(p.openTeamWrap({ teamKeyVersion: 2, sealed: n!.sealed }, v2, 'note'))).toBe(p.toB64(ticket.noteKey));
      else expect(n).toBeUndefined();
    }
    expect(await fx.app.verifyAuditChain()).toMatchObject({ ok: true });
  });

  it('is idempotent: the same batch posted twice leaves one wrap per key', async () => {
    const body = { wraps: reseal((await status()).batch) };
    expect((await rewrap(body)).statusCode).toBe(200);
    expect((await rewrap(body)).statusCode).toBe(200);
    const v2Rows = await fx.t.db.select().from(wraps).where(eq(wraps.teamKeyVersion, 2));
    expect(v2Rows).toHaveLength(7);
  });

  it('answers 409 stale_team_key for a wrap to an older version and writes nothing of the batch', async () => {
    const good = reseal((await status()).batch);
    const stale = { ...good[0]!, teamKeyVersion: 1 };
    const res = await rewrap({ wraps: [...good.slice(1), stale] });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'stale_team_key' } });
    expect(await fx.t.db.select().from(wraps).where(eq(wraps.teamKeyVersion, 2))).toHaveLength(0);
  });

  it('answers 404 for a ticket that does not exist or a note key a ticket never had', async () => {
    const [one] = reseal((await status()).batch.filter((w) => w.keyKind === 'ticket'));
    const unknown = await rewrap({ wraps: [{ ...one!, ticketId: p.newId() }] });
    expect(unknown.statusCode).toBe(404);
    const noNotes = seeded.find((x) => x.noteKey === null)!;
    const planted = await rewrap({ wraps: [{ ...one!, ticketId: noNotes.ticketId, keyKind: 'note' }] });
    expect(planted.statusCode).toBe(404);
    expect(await fx.t.db.select().from(wraps).where(eq(wraps.teamKeyVersion, 2))).toHaveLength(0);
  });

  it('validates the batch: at most 500 wraps, 80-byte sealed boxes, no unknown fields', async () => {
    const [one] = reseal((await status()).batch);
    const tooMany = await rewrap({ wraps: Array.from({ length: 501 }, () => one) });
    expect(tooMany.statusCode).toBe(400);
    const short = await rewrap({ wraps: [{ ...one!, sealed: 'AAAA' }] });
    expect(short.statusCode).toBe(400);
    const extra = await rewrap({ wraps: [{ ...one!, recipient: 'requester' }] });
    expect(extra.statusCode).toBe(400);
    expect(extra.json()).toMatchObject({ error: { code: 'validation_failed' } });
  });

  it('refuses a technician', async () => {
    const res = await rewrap({ wraps: reseal((await status()).batch) }, tech.token);
    expect(res.statusCode).toBe(403);
  });
});
