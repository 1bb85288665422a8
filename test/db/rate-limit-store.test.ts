// The shared rate-limit store on a real PostgreSQL: two app instances ("nodes") on one database
// count every address in one bucket, atomically, and the table never holds a raw address.
import Fastify, { type FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgDb, type OpenedPgDb } from '../../db/pg';
import type { Secrets } from '../../server/plugins/app/secrets';
import rateLimitPlugin from '../../server/plugins/external/rate-limit';
import { pruneRateLimits } from '../../server/rate-limit-store';
import { testDatabase, type TestDatabase } from '../helpers/postgres';

let target: TestDatabase;
let opened: OpenedPgDb[] = [];
const nodes: FastifyInstance[] = [];
const jwtKey = randomBytes(32);

async function node(max: number): Promise<FastifyInstance> {
  const o = await openPgDb(target.url, { poolSize: 4 });
  opened.push(o);
  const app = Fastify();
  app.decorate('secrets', { jwtKey } as unknown as Secrets);
  await app.register(rateLimitPlugin, { pgPool: o.pool });
  app.get('/limited', { config: { rateLimit: { max, timeWindow: '1 minute' } } }, async () => ({ ok: true }));
  app.get('/other', { config: { rateLimit: { max, timeWindow: '1 minute' } } }, async () => ({ ok: true }));
  await app.ready();
  nodes.push(app);
  return app;
}

beforeAll(async () => {
  target = await testDatabase();
});
afterAll(async () => {
  for (const n of nodes) await n.close();
  for (const o of opened) await o.close();
  opened = [];
  await target.drop();
});

const hit = (app: FastifyInstance, url = '/limited', ip = '10.1.2.3') => app.inject({ method: 'GET', url, remoteAddress: ip }).then((r) => r.statusCode);

describe('the PostgreSQL rate-limit store', () => {
  it('counts one address across two nodes in one bucket, per route', async () => {
    const [a, b] = [await node(4), await node(4)];
    expect([await hit(a), await hit(b), await hit(a), await hit(b)]).toEqual([200, 200, 200, 200]);
    expect([await hit(a), await hit(b)]).toEqual([429, 429]);
    // Another route and another address have buckets of their own.
    expect(await hit(b, '/other')).toBe(200);
    expect(await hit(a, '/limited', '10.9.9.9')).toBe(200);
  });

  it('admits exactly max of many simultaneous hits spread over both nodes', async () => {
    const [a, b] = [nodes[0]!, nodes[1]!];
    const codes = await Promise.all(Array.from({ length: 24 }, (_, i) => hit(i % 2 ? a : b, '/limited', '10.5.5.5')));
    expect(codes.filter((c) => c === 200)).toHaveLength(4);
    expect(codes.filter((c) => c === 429)).toHaveLength(20);
  });

  it('SECURITY: stores only HMACs of addresses, and prunes ended windows', async () => {
    const pool = opened[0]!.pool;
    const { rows } = await pool.query<{ key: string }>('SELECT key FROM rate_limits');
    expect(rows.length).toBeGreaterThan(0);
    for (const { key } of rows) expect(key).not.toMatch(/10\.\d+\.\d+\.\d+/);
    expect(await pruneRateLimits(pool)).toBe(0);
    await pool.query('UPDATE rate_limits SET reset_at = reset_at - 120000');
    expect(await pruneRateLimits(pool)).toBe(rows.length);
    // A new window starts after the old one ended.
    expect(await hit(nodes[0]!)).toBe(200);
  });
});
