// Page-side helpers of the technician console: queue query mapping, claim semantics, age
// formatting and the grant shape the client accepts from GET /api/staff/me.
import { describe, expect, it } from 'vitest';
import { normaliseGrant } from '../../client/src/api';
import { formatAge } from '../../client/src/views/staff/age';
import { queueQuery } from '../../client/src/views/staff/queue';
import { claimPatch } from '../../client/src/views/staff/ticket';

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';

describe('queueQuery', () => {
  it('sends only the filters that are set, with the cursor for "load more"', () => {
    expect(queueQuery({ status: '', priority: '', assignee: '', label: '', sort: 'activity' }, null)).toEqual({ limit: 25 });
    expect(queueQuery({ status: 'open', priority: 'urgent', assignee: 'mine', label: 'tagB64', sort: 'newest' }, 'c1')).toEqual({
      status: 'open',
      priority: 'urgent',
      assignee: 'mine',
      label: 'tagB64',
      sort: 'newest',
      cursor: 'c1',
      limit: 25,
    });
    expect(queueQuery({ status: '', priority: '', assignee: 'unassigned', label: '', sort: 'activity' }, null)).toEqual({ assignee: 'unassigned', limit: 25 });
  });
});

describe('claimPatch', () => {
  it('assigns to me and opens a new ticket, but leaves other statuses alone', () => {
    expect(claimPatch({ status: 'new' }, ID)).toEqual({ assigneeId: ID, status: 'open' });
    expect(claimPatch({ status: 'waiting_requester' }, ID)).toEqual({ assigneeId: ID });
  });
});

describe('formatAge', () => {
  const now = 1_700_000_000;
  it('gives the largest whole unit, in the UI language', () => {
    expect(formatAge(now - 3 * 3600 - 59, now, 'en')).toMatch(/3 hr/);
    expect(formatAge(now - 2 * 86_400, now, 'en')).toMatch(/2 days ago/);
    expect(formatAge(now - 2 * 86_400, now, 'vi')).toMatch(/2 ngày trước/);
    // Under a minute is in the past too, not "in 0 min."
    expect(formatAge(now - 20, now, 'en')).toBe('0 min. ago');
    expect(formatAge(now, now, 'vi')).toMatch(/trước/);
    expect(formatAge(now - 5 * 60, now, 'en')).toMatch(/5 min/);
  });
  it('does not show a negative age for a clock slightly ahead', () => {
    expect(formatAge(now + 30, now, 'en')).toBe(formatAge(now, now, 'en'));
  });
});

describe('normaliseGrant (GET /api/staff/me grants)', () => {
  it('accepts the server schema name `sealed` and the API.md name `sealedKey`', () => {
    expect(normaliseGrant({ teamKeyVersion: 2, sealed: 'abc' })).toEqual({ teamKeyVersion: 2, sealedKey: 'abc' });
    expect(normaliseGrant({ teamKeyVersion: 1, sealedKey: 'xyz' })).toEqual({ teamKeyVersion: 1, sealedKey: 'xyz' });
  });
  it('drops malformed grants instead of passing them to the worker', () => {
    expect(normaliseGrant({ teamKeyVersion: '1', sealed: 'abc' })).toBeNull();
    expect(normaliseGrant({ teamKeyVersion: 1 })).toBeNull();
    expect(normaliseGrant(null)).toBeNull();
  });
});
