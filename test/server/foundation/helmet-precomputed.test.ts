// The security headers are computed once (plugins/external/helmet.ts); they must stay exactly what
// @fastify/helmet, run per request with the same options, sets.
import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELMET_OPTIONS } from '../../../server/plugins/external/helmet';
import { buildTestApp, type TestApp } from '../../helpers/app';

let t: TestApp;
let reference: Record<string, string | string[] | number | undefined>;
beforeAll(async () => {
  t = await buildTestApp();
  // The library itself, registered the usual way, answering one request.
  const app = Fastify();
  await app.register(helmet, HELMET_OPTIONS);
  app.get('/', async () => '');
  reference = (await app.inject({ method: 'GET', url: '/' })).headers;
  await app.close();
});
afterAll(async () => t.close());

// What helmet 8 sets with our options; the precomputation must not lose any of them.
const HELMET_HEADERS = [
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

describe('precomputed helmet headers', () => {
  it.each([
    ['GET', '/api/health'],
    ['GET', '/api/nope'],
    ['GET', '/'],
    ['POST', '/api/tickets'],
  ] as const)('%s %s carries every header @fastify/helmet sets, byte for byte', async (method, url) => {
    const res = await t.app.inject({ method, url });
    for (const name of HELMET_HEADERS) {
      expect(reference[name], name).toBeDefined();
      expect(res.headers[name], `${name} on ${url}`).toBe(reference[name]);
    }
  });
});
