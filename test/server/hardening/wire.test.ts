// §5 wire strictness, server side: one spelling per session token, and no API answer cacheable.
import { describe, expect, it } from 'vitest';
import { withDesk } from '../../helpers/desk';
import { fetchOpenApi, listOperations } from '../../helpers/fuzz-routes';

const fx = withDesk();

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same bytes, spelled differently: the last character's unused low bits set. */
function flipUnusedBits(part: string): string {
  // 32 signature bytes = 42 full characters + one carrying 4 bits; its 2 low bits are unused.
  const last = B64URL.indexOf(part.at(-1)!);
  const respelled = part.slice(0, -1) + B64URL[last | 0b11];
  expect(Buffer.from(respelled, 'base64url')).toEqual(Buffer.from(part, 'base64url'));
  return respelled;
}

describe('staff session tokens', () => {
  it('refuse a signature with flipped unused bits', async () => {
    // Given a valid session token that works
    const me = (token: string) => fx.app.inject({ method: 'GET', url: '/api/staff/me', headers: { authorization: `Bearer ${token}` } });
    expect((await me(fx.desk.admin.token)).statusCode).toBe(200);
    // When its signature is re-spelled with the same bytes
    const [header, payload, sig] = fx.desk.admin.token.split('.') as [string, string, string];
    const res = await me(`${header}.${payload}.${flipUnusedBits(sig)}`);
    // Then it is not the same token
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthorized');
  });
});

describe('Cache-Control on API responses', () => {
  it('is no-store on every documented route, signed in or not, whatever the status', async () => {
    const doc = await fetchOpenApi(fx.app);
    const ops = listOperations(doc);
    expect(ops.length).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const op of ops) {
      const url = op.path.replace(/\{[^}]+\}/g, 'AAAAAAAAAAAAAAAAAAAAAA');
      for (const token of [undefined, fx.desk.admin.token]) {
        const res = await fx.app.inject({
          method: op.method as 'GET',
          url,
          headers: token ? { authorization: `Bearer ${token}` } : {},
          ...(op.method === 'GET' ? {} : { payload: {} }),
        });
        if (res.headers['cache-control'] !== 'no-store') missing.push(`${op.key} → ${res.statusCode}: ${String(res.headers['cache-control'])}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it.each([
    ['GET', '/api/desk'],
    ['GET', '/api/nope'],
    ['POST', '/api/nope'],
    ['GET', '/api/tickets/%zz'],
  ] as const)('is no-store on %s %s', async (method, url) => {
    const res = await fx.app.inject({ method, url });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('leaves the web app to its own caching', async () => {
    const res = await fx.app.inject({ method: 'GET', url: '/' });
    expect(res.headers['cache-control']).not.toBe('no-store');
  });
});
