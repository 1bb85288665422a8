import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTables } from '../../helpers/app';
import { createSetupToken, SETUP_TOKEN_TTL_SECONDS } from '../../../server/plugins/app/desk';
import { hashOneTimeToken } from '../../../server/plugins/app/tokens';
import { buildTestApp, type TestApp } from '../../helpers/app';

const { desk, staff } = testTables;

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ env: { SEALDESK_POW_DIFFICULTY: '20', SEALDESK_MAX_ATTACHMENT_MB: '10', SEALDESK_MAX_TICKET_MB: '40' } });
});
afterAll(async () => t.close());

describe('GET /api/desk', () => {
  it('describes a fresh desk: random id, no fingerprint, not set up, policy from config', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/desk' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.deskId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(body).toEqual({
      deskId: body.deskId,
      fingerprint: null,
      setupComplete: false,
      policy: { powDifficulty: 20, maxAttachmentBytes: 10 * 1024 * 1024, maxTicketBytes: 40 * 1024 * 1024, languages: ['en', 'vi'] },
    });
  });

  it('gives each new desk its own id', async () => {
    const other = await buildTestApp();
    try {
      const a = (await t.app.inject({ url: '/api/desk' })).json().deskId;
      const b = (await other.app.inject({ url: '/api/desk' })).json().deskId;
      expect(a).not.toBe(b);
    } finally {
      await other.close();
    }
  });

  it('reports setup complete once the genesis fingerprint and an admin exist', async () => {
    await t.db.update(desk).set({ fingerprint: 'fp' }).where(eq(desk.id, 1));
    expect((await t.app.inject({ url: '/api/desk' })).json().setupComplete).toBe(false);
    await t.db.insert(staff).values({
      id: 'a1',
      username: 'root',
      role: 'admin',
      kdfSalt: 's',
      kdfOpslimit: 3,
      kdfMemlimit: 1,
      authHash: 'h',
      boxPk: 'b',
      signPk: 's',
      keyBlob: '{}',
      createdAt: 1,
      updatedAt: 1,
    });
    const body = (await t.app.inject({ url: '/api/desk' })).json();
    expect(body.setupComplete).toBe(true);
    expect(body.fingerprint).toBe('fp');
  });
});

describe('createSetupToken', () => {
  it('stores only a hash of the token, valid for 24 hours, replacing any earlier one', async () => {
    const first = await createSetupToken(t.db, 1000);
    const second = await createSetupToken(t.db, 2000);
    const row = (await t.db.select().from(desk).where(eq(desk.id, 1)))[0];
    expect(second.token).not.toBe(first.token);
    expect(row?.setupTokenHash).toBe(hashOneTimeToken(second.token));
    expect(row?.setupTokenHash).not.toContain(second.token);
    expect(row?.setupTokenExpiresAt).toBe(2000 + SETUP_TOKEN_TTL_SECONDS);
  });
});

describe('GET /api/health', () => {
  it('is listed with a rate limit (429 after the burst)', async () => {
    const local = await buildTestApp();
    try {
      let last = 0;
      for (let i = 0; i < 121; i += 1) last = (await local.app.inject({ url: '/api/health' })).statusCode;
      expect(last).toBe(429);
    } finally {
      await local.close();
    }
  });
});
