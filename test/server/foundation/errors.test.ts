import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../../server/errors';
import { buildTestApp, type TestApp } from '../../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({
    extend: (app) => {
      app.post('/test/boom', async () => {
        throw new Error('database password is hunter2 at /srv/secret/path');
      });
      app.post('/test/echo', { schema: { body: z.object({ subject: z.string().max(5) }).strict(), response: { 200: z.object({ subject: z.string() }) } } }, async (request) => ({
        subject: request.body.subject,
      }));
      app.post('/test/small', { bodyLimit: 64 }, async () => ({ ok: true }));
      app.get('/test/conflict', async () => {
        throw new AppError('conflict', 'duplicate id');
      });
      app.get('/test/bad-response', { schema: { response: { 200: z.object({ n: z.number() }) } } }, async () => ({ n: 'x' }) as never);
    },
  });
});
afterAll(async () => t.close());

const json = { 'content-type': 'application/json' };

describe('error responses', () => {
  it('answers an unknown API route with 404 not_found', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: 'no such route' } });
  });

  it('answers malformed JSON with 400 bad_json', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/echo', headers: json, payload: '{"subject":' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('bad_json');
  });

  it('answers an empty JSON body with 400 bad_json', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/echo', headers: json, payload: '' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('bad_json');
  });

  it('answers a schema violation with 400 validation_failed naming the field', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/echo', headers: json, payload: { subject: 'far too long' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    expect(res.json().error.message).toMatch(/^body\/subject: /);
  });

  it('rejects unknown body fields on strict schemas', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/echo', headers: json, payload: { subject: 'hi', extra: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });

  it('answers an oversized body with 413 payload_too_large', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/small', headers: json, payload: { pad: 'x'.repeat(200) } });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: { code: 'payload_too_large', message: 'request body is too large' } });
  });

  it('answers a body over the global limit with 413', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/echo', headers: json, payload: JSON.stringify({ subject: 'x'.repeat(1_100_000) }) });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
  });

  it('answers text/plain with 415 unsupported_media_type', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': 'text/plain' }, payload: 'subject' });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
  });

  it('answers an unknown content-type with 415', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/x-evil' }, payload: 'a=b' });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
  });

  it('passes an AppError through with its status and code', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/test/conflict' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: { code: 'conflict', message: 'duplicate id' } });
  });

  it('hides a thrown error behind 500 internal with no stack or message', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/boom', headers: json, payload: {} });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'internal', message: 'internal server error' } });
    expect(res.body).not.toMatch(/hunter2|secret|at .*\.ts|stack/);
  });

  it('hides a response that breaks its own schema behind 500 internal', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/test/bad-response' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'internal', message: 'internal server error' } });
  });

  it('rate limits the 404 handler', async () => {
    // Given a fresh app (own rate-limit store)
    const local = await buildTestApp();
    try {
      // When a client probes more unknown routes than the limit allows
      const statuses: number[] = [];
      for (let i = 0; i < 125; i += 1) statuses.push((await local.app.inject({ method: 'GET', url: `/api/probe-${i}` })).statusCode);
      // Then it gets 404s first and then 429 rate_limited
      expect(statuses.slice(0, 120).every((s) => s === 404)).toBe(true);
      const last = await local.app.inject({ method: 'GET', url: '/api/probe-last' });
      expect(last.statusCode).toBe(429);
      expect(last.json().error.code).toBe('rate_limited');
    } finally {
      await local.close();
    }
  });
});

describe('SPA fallback', () => {
  it('serves a "run npm run build" page for non-API GETs when the client is not built', async () => {
    const local = await buildTestApp({ clientDist: join(tmpdir(), 'sealdesk-no-such-dist') });
    try {
      const res = await local.app.inject({ method: 'GET', url: '/some/page' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.body).toContain('npm run build');
    } finally {
      await local.close();
    }
  });

  it('serves index.html for unknown non-API paths and real files as themselves', async () => {
    const dist = mkdtempSync(join(tmpdir(), 'sealdesk-dist-'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>shell</title>');
    writeFileSync(join(dist, 'app.js'), 'console.log(1)');
    const local = await buildTestApp({ clientDist: dist });
    try {
      const deep = await local.app.inject({ method: 'GET', url: '/setup/abc' });
      expect(deep.statusCode).toBe(200);
      expect(deep.body).toContain('<title>shell</title>');
      const asset = await local.app.inject({ method: 'GET', url: '/app.js' });
      expect(asset.body).toBe('console.log(1)');
      const api = await local.app.inject({ method: 'GET', url: '/api/unknown' });
      expect(api.statusCode).toBe(404);
      expect(api.json().error.code).toBe('not_found');
    } finally {
      await local.close();
      rmSync(dist, { recursive: true, force: true });
    }
  });
});

describe('malformed requests', () => {
  it('answers a malformed URL with the error shape, without echoing it', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/%zz' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'bad_request', message: 'malformed URL' } });
  });

  it('answers a body shorter than its Content-Length with 400 in the error shape', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/echo', headers: { ...json, 'content-length': '50' }, payload: '{}' });
    expect(res.statusCode).toBe(400);
    expect(Object.keys(res.json())).toEqual(['error']);
  });
});

describe('under pressure', () => {
  it('sheds load with 503 overloaded and Retry-After', async () => {
    const local = await buildTestApp({ underPressure: { healthCheck: async () => false, healthCheckInterval: 5 } });
    try {
      await new Promise((r) => setTimeout(r, 50));
      const res = await local.app.inject({ method: 'GET', url: '/api/desk' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('10');
      expect(res.json()).toEqual({ error: { code: 'overloaded', message: 'the desk is busy; try again shortly' } });
    } finally {
      await local.close();
    }
  });
});
