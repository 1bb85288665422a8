import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref, type Route } from '../../client/src/router';

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';

describe('parseRoute', () => {
  it.each([
    ['', { name: 'landing' }],
    ['#', { name: 'landing' }],
    ['#/', { name: 'landing' }],
    ['#/new', { name: 'new' }],
    ['#/return', { name: 'return' }],
    ['#/tickets', { name: 'tickets' }],
    ['#/tickets/', { name: 'tickets' }],
    [`#/tickets/${ID}`, { name: 'ticket', ticketId: ID }],
    ['#/setup/abcdefABCDEF0123_-xyz', { name: 'setup', token: 'abcdefABCDEF0123_-xyz' }],
    ['#/staff/login', { name: 'staff-login' }],
    ['#/staff/queue', { name: 'staff-queue' }],
    [`#/staff/tickets/${ID}`, { name: 'staff-ticket', ticketId: ID }],
  ] as const)('parses %s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it.each([
    '#/nope',
    '#/tickets/short',
    `#/tickets/${ID}x`,
    '#/tickets/<script>alert(1)</script>',
    '#/setup/short',
    '#/setup/has space in it here',
    '#/staff',
    '#/staff/tickets/bad',
    `#/staff/tickets/${ID}/extra`,
    `#/tickets/${ID}/a/b`,
  ])('refuses %s as not-found', (hash) => {
    expect(parseRoute(hash)).toEqual({ name: 'not-found' });
  });

  it('ignores a query string after the path', () => {
    expect(parseRoute('#/new?x=1')).toEqual({ name: 'new' });
  });

  it('round-trips every route through routeHref', () => {
    const routes: Route[] = [
      { name: 'landing' },
      { name: 'new' },
      { name: 'return' },
      { name: 'tickets' },
      { name: 'ticket', ticketId: ID },
      { name: 'setup', token: 'abcdefABCDEF0123_-xyz' },
      { name: 'staff-login' },
      { name: 'staff-queue' },
      { name: 'staff-ticket', ticketId: ID },
    ];
    for (const r of routes) expect(parseRoute(routeHref(r))).toEqual(r);
  });
});
