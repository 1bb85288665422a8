// The admin console's view-model rules (client/src/views/admin/model.ts) and its routes.
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../client/src/api';
import { parseRoute, routeHref, isAdminRoute, isStaffRoute } from '../../client/src/router';
import { filterAudit, inviteLink, NO_AUDIT_FILTERS, rotationEta } from '../../client/src/views/admin/model';

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';

const row = (seq: number, at: number, action: string, actorStaffId: string | null): AuditEntry => ({
  seq,
  at,
  actorStaffId,
  action,
  target: null,
  detail: {},
  prevHash: `h${seq - 1}`,
  hash: `h${seq}`,
});

describe('admin routes', () => {
  it.each([
    ['#/admin', { name: 'admin-staff' }],
    [`#/admin/staff/${ID}`, { name: 'admin-member', staffId: ID }],
    ['#/admin/rotation', { name: 'admin-rotation' }],
    ['#/admin/audit', { name: 'admin-audit' }],
    ['#/admin/policy', { name: 'admin-policy' }],
  ] as const)('%s round-trips and counts as a staff page', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
    expect(routeHref(route)).toBe(hash);
    expect(isAdminRoute(route)).toBe(true);
    expect(isStaffRoute(route)).toBe(true);
  });

  it.each(['#/admin/staff/short', '#/admin/staff/<b>', '#/admin/keys', `#/admin/staff/${ID}/x`])('refuses %s', (hash) => {
    expect(parseRoute(hash)).toEqual({ name: 'not-found' });
  });
});

describe('rotationEta', () => {
  it('reports the desk-wide percentage and the time left at this run’s rate', () => {
    // 50 of 200 done overall, 25 of them by this run in 10 s: 150 left at 2.5/s = 60 s
    expect(rotationEta(50, 200, 25, 10_000)).toEqual({ percent: 25, secondsLeft: 60 });
  });
  it('has no time left to report before this run moved anything', () => {
    expect(rotationEta(50, 200, 0, 10_000).secondsLeft).toBeNull();
  });
  it('is complete for a desk with nothing to re-wrap, and never above 100%', () => {
    expect(rotationEta(0, 0, 0, 0)).toEqual({ percent: 100, secondsLeft: null });
    expect(rotationEta(12, 10, 12, 1000).percent).toBe(100);
  });
});

describe('filterAudit', () => {
  const rows = [row(1, 100, 'desk.setup', null), row(2, 200, 'staff.invite', 'ann'), row(3, 300, 'keylog.append', 'ann'), row(4, 400, 'staff.login', 'bob')];
  it('filters by who, by action family or exact action, and by time', () => {
    expect(filterAudit(rows, { ...NO_AUDIT_FILTERS, who: 'ann' }).map((r) => r.seq)).toEqual([2, 3]);
    expect(filterAudit(rows, { ...NO_AUDIT_FILTERS, who: 'system' }).map((r) => r.seq)).toEqual([1]);
    expect(filterAudit(rows, { ...NO_AUDIT_FILTERS, what: 'staff.' }).map((r) => r.seq)).toEqual([2, 4]);
    expect(filterAudit(rows, { ...NO_AUDIT_FILTERS, what: 'staff.login' }).map((r) => r.seq)).toEqual([4]);
    expect(filterAudit(rows, { ...NO_AUDIT_FILTERS, from: 200, to: 300 }).map((r) => r.seq)).toEqual([2, 3]);
    expect(filterAudit(rows, NO_AUDIT_FILTERS)).toHaveLength(4);
  });
});

describe('inviteLink', () => {
  it('points at the activation route of this desk', () => {
    expect(inviteLink('https://desk.example.onion', 'tok_ABCDEFGHIJKLMNOP')).toBe('https://desk.example.onion/#/activate/tok_ABCDEFGHIJKLMNOP');
    expect(parseRoute(new URL(inviteLink('https://d.example', 'tok_ABCDEFGHIJKLMNOP')).hash)).toEqual({ name: 'activate', token: 'tok_ABCDEFGHIJKLMNOP' });
  });
});
