import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({
    extend: (app) => {
      app.post('/test/boom', async () => {
        throw new Error('boom');
      });
    },
  });
});
afterAll(async () => t.close());

describe('request logging', () => {
  it('records method, route, status and time but no IP, token or body', async () => {
    // Given a request from a known address, with a bearer token and a secret in the body
    const { token } = await t.app.issueSession('requester', 'req-log');
    t.logs.length = 0;
    await t.app.inject({
      method: 'POST',
      url: '/test/boom',
      remoteAddress: '203.0.113.77',
      headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '198.51.100.9', 'content-type': 'application/json' },
      payload: { passphrase: 'correct horse battery staple' },
    });
    await t.app.inject({ method: 'GET', url: '/api/health?x=1', remoteAddress: '203.0.113.77', headers: { authorization: `Bearer ${token}` } });

    // Then the log has a line per request with only the safe fields
    const lines = t.logs.filter((l) => l.msg === 'request');
    expect(lines.map((l) => [l.method, l.route, l.status])).toEqual([
      ['POST', '/test/boom', 500],
      ['GET', '/api/health', 200],
    ]);
    expect(lines.every((l) => typeof l.ms === 'number')).toBe(true);
    // And the server-side error was logged (so 500s are diagnosable)…
    expect(t.logs.some((l) => l.level === 50 && JSON.stringify(l).includes('boom'))).toBe(true);
    // …but nothing anywhere in the log holds the address, the token, the header or the body
    const all = JSON.stringify(t.logs);
    for (const secret of ['203.0.113.77', '198.51.100.9', token, token.split('.')[2]!, 'Bearer', 'correct horse', 'x=1']) {
      expect(all).not.toContain(secret);
    }
    expect(all.toLowerCase()).not.toContain('authorization');
  });

  it('would notice an IP in the log (the capture works)', async () => {
    t.logs.length = 0;
    t.app.log.info({ probe: '203.0.113.77' }, 'probe');
    expect(JSON.stringify(t.logs)).toContain('203.0.113.77');
  });
});
