// §4 fail closed: a database that cannot take a write answers a temporary status with
// Retry-After and a stable code, never `500 internal`; /api/health says so too.
import { describe, expect, it } from 'vitest';
import { withDesk } from '../../helpers/desk';
import { expectError, registerRequester, signIn } from '../../helpers/requester';

const fx = withDesk({ via: 'db', each: true });

describe('a read-only database', () => {
  it('refuses writes with 503 storage_unavailable and Retry-After, and health reports it', async () => {
    // Given a registered requester and a database the app's connection may no longer write
    const r = await registerRequester(fx.t, fx.desk.deskId);
    fx.app.sqlite.pragma('query_only = 1');

    // When they sign in (which stores a session row)
    const res = await signIn(fx.t, r.keys);

    // Then the desk refuses with a temporary status, not a 500
    expectError(res, 503, 'storage_unavailable');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    const health = await fx.app.inject({ method: 'GET', url: '/api/health' });
    expectError(health, 503, 'storage_unavailable');
    expect(health.headers['retry-after']).toBeDefined();

    // And once writable again, health and sign-in recover
    fx.app.sqlite.pragma('query_only = 0');
    expect((await fx.app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    expect((await signIn(fx.t, r.keys)).statusCode).toBe(200);
  });
});

describe('a full database', () => {
  it('refuses writes with 507 storage_full and Retry-After, and health reports it', async () => {
    // Given a registered requester, and a database that may not grow and whose session pages
    // are filled to the last byte
    const r = await registerRequester(fx.t, fx.desk.deskId);
    const pages = fx.app.sqlite.pragma('page_count', { simple: true }) as number;
    fx.app.sqlite.pragma(`max_page_count = ${pages}`);
    const filler = fx.app.sqlite.prepare("insert into sessions (jti, subject_type, subject_id, created_at, expires_at) values (?, 'staff', 'filler', 0, 0)");
    expect(() => {
      for (let i = 0; i < 1_000_000; i++) filler.run(`filler-${i}-${'x'.repeat(40)}`);
    }).toThrow(expect.objectContaining({ code: 'SQLITE_FULL' }));

    const health = await fx.app.inject({ method: 'GET', url: '/api/health' });
    expectError(health, 507, 'storage_full');
    expect(health.headers['retry-after']).toBeDefined();

    // When the requester signs in (a new session row needs a page)
    const res = await signIn(fx.t, r.keys);

    // Then the write that does not fit is a 507, not a 500
    expectError(res, 507, 'storage_full');
    expect(res.headers['retry-after']).toBeDefined();
  });
});
