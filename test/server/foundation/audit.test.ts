import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTables } from '../../helpers/app';
import { AUDIT_GENESIS_HASH } from '../../../server/plugins/app/audit';
import { buildTestApp, type TestApp } from '../../helpers/app';

const { audit } = testTables;

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

describe('audit log', () => {
  it('chains each row to the previous one and verifies', async () => {
    // Given three staff actions
    const a = await t.app.appendAudit(null, 'setup', null, {});
    const b = await t.app.appendAudit('s1', 'staff.invite', 'ana', { role: 'technician' });
    const c = await t.app.appendAudit('s1', 'ticket.assign', 'T1', { to: 's2' });
    // Then they are numbered, linked and verify
    expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
    const rows = await t.db.select().from(audit);
    expect(rows[0]?.prevHash).toBe(AUDIT_GENESIS_HASH);
    expect(rows[1]?.prevHash).toBe(a.hash);
    expect(rows[2]?.prevHash).toBe(b.hash);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(3);
    expect(await t.app.verifyAuditChain()).toEqual({ ok: true, count: 3 });
  });

  it('detects an edited row', async () => {
    await t.db
      .update(audit)
      .set({ detail: JSON.stringify({ role: 'admin' }) })
      .where(eq(audit.seq, 2));
    expect(await t.app.verifyAuditChain()).toEqual({ ok: false, count: 1, brokenAt: 2 });
  });

  it('detects a deleted row', async () => {
    const local = await buildTestApp();
    try {
      for (const action of ['a', 'b', 'c']) await local.app.appendAudit(null, action, null);
      await local.db.delete(audit).where(eq(audit.seq, 2));
      expect(await local.app.verifyAuditChain()).toEqual({ ok: false, count: 1, brokenAt: 3 });
    } finally {
      await local.close();
    }
  });
});
