// Issue #6 part 1: property-based fuzzing of every route in the OpenAPI document. For each
// path + method, fast-check builds requests from the document's own schemas (well-formed values,
// then one node broken: wrong types, huge or short strings, bad base64url, unknown or missing
// fields, deep nesting; bad ids in the path, bad query values; invalid JSON, wrong content types,
// empty bodies, bodies just under and over the route's measured limit) and sends them as nobody,
// with forged credentials, and as a requester, a technician and an admin. Every answer must be
// below 500; every error must be the one documented shape with a code API.md documents; anything
// the document calls malformed must get a 4xx. The run fails if a documented route was never
// reached, never reached its validation, or if the app routes something the document omits.
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../protocol/index';
import { buildTestApp, type TestApp } from '../../helpers/app';
import { fuzzRequestArb, IDENTITIES, type FuzzRequest, type FuzzTarget, type Identity } from '../../helpers/fuzz-request';
import { compareRoutes, fetchOpenApi, listOperations, listRegisteredRoutes, measureBodyLimit, opKey, type OpenApiParameter, type Operation } from '../../helpers/fuzz-routes';
import { SchemaContext, toJsonText } from '../../helpers/fuzz-schema';
import { addTechnician, seededSessions, setupDesk } from '../../helpers/desk';
import { buildJourneyApp, newRequester, submitTicket } from '../../helpers/requester';
import { announce, encryptFile } from '../attachments/upload';

/**
 * Requests per route: at least MIN_RUNS, then up to EXTRA_RUNS more while the route's time budget
 * lasts. Idle, every route gets all 160 (~12 s in all); on a saturated 2-core machine the budget
 * keeps the file well under a minute.
 */
const MIN_RUNS = 40;
const EXTRA_RUNS = 120;
const EXTRA_BUDGET_MS = 500;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Served by @fastify/swagger-ui and @fastify/static: pages and files, not API routes. */
const NOT_API_ROUTES = new Set([
  'GET /api/docs',
  'GET /api/docs/',
  'GET /api/docs/*',
  'GET /api/docs/json',
  'GET /api/docs/yaml',
  'GET /api/docs/static/index.html',
  'GET /api/docs/static/swagger-initializer.js',
  'GET *',
  'GET /*',
]);

const STACK_TRACE =
  /\sat \S+ \(|node_modules|\.[cm]?[tj]s:\d+|file:\/\/|\/(?:home|root|srv|usr|tmp|work)\/|SqliteError|SQLITE_|DatabaseError|duplicate key|violates|TypeError|ReferenceError|RangeError|Cannot read prop/;
const API_DOC = readFileSync(new URL('../../../docs/API.md', import.meta.url), 'utf8');
const isDocumentedCode = (code: string) => new RegExp(`\\b${code}\\b`).test(API_DOC);

let t: TestApp;
let ops: Operation[];
let schemas: SchemaContext;
let registered: Set<string>;
const targets = new Map<string, FuzzTarget>();
let subjects: { requester: string; technician: string; admin: string };
let forgeries: string[];

/**
 * Fresh sessions, minted in batches of one INSERT: a fuzzed logout must not log the next request
 * out, and one write per batch (not per request) keeps the run short.
 */
const tokenPools = new Map<string, string[]>();
async function freshToken(kind: 'staff' | 'requester', subject: string): Promise<string> {
  const pool = tokenPools.get(subject) ?? [];
  tokenPools.set(subject, pool);
  if (pool.length === 0) pool.push(...(await seededSessions(t.app, kind, subject, 100)));
  return pool.pop()!;
}

async function mintAuthorization(identity: Identity, forgery: number): Promise<string | undefined> {
  switch (identity) {
    case 'none':
      return undefined;
    case 'forged':
      return forgeries[forgery];
    case 'requester':
      return `Bearer ${await freshToken('requester', subjects.requester)}`;
    default:
      return `Bearer ${await freshToken('staff', subjects[identity])}`;
  }
}

/** A different client address per request, so address-keyed flood limits do not hide validation. */
const someAddress = () => `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]! | 1}`;

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

interface RouteStats {
  sent: number;
  validationFailed: number;
  statuses: Map<number, number>;
  malformed: number;
}
const stats = new Map<string, RouteStats>();
const kinds = new Map<string, number>();

/** Why `res` is not an acceptable answer to `req`, or null. */
function problemWith(req: FuzzRequest, res: LightMyRequestResponse, authorization: string | undefined): string | null {
  if (res.statusCode >= 500) return `answered ${res.statusCode}`;
  if (STACK_TRACE.test(res.body)) return 'the body looks like it carries internals';
  if (authorization && authorization.length > 40 && res.body.includes(authorization.slice(7))) return 'the body echoes the bearer token';
  if (req.malformed && res.statusCode < 400) return `answered ${res.statusCode} to a malformed request (${req.malformed})`;
  if (res.statusCode < 400) return null;
  if (!String(res.headers['content-type']).startsWith('application/json')) return `error content-type ${String(res.headers['content-type'])}`;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return 'error body is not JSON';
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  if (!body || typeof body !== 'object' || Object.keys(body).join() !== 'error' || !error || Object.keys(error).sort().join() !== 'code,message') {
    return 'error body is not exactly {"error":{"code","message"}}';
  }
  if (typeof error.code !== 'string' || !/^[a-z_]+$/.test(error.code)) return 'error code is not a snake_case string';
  if (typeof error.message !== 'string' || error.message.length === 0) return 'error message is empty';
  if (!isDocumentedCode(error.code)) return `error code ${error.code} is not documented in docs/API.md`;
  return null;
}

async function send(op: Operation, req: FuzzRequest): Promise<void> {
  const authorization = await mintAuthorization(req.identity, req.forgery);
  const res = await t.app.inject({
    method: req.method as 'GET',
    url: req.url,
    headers: { ...req.headers, ...(authorization === undefined ? {} : { authorization }) },
    ...(req.payload === undefined ? {} : { payload: req.payload }),
    remoteAddress: someAddress(),
  });
  const s = stats.get(op.key)!;
  s.sent++;
  s.statuses.set(res.statusCode, (s.statuses.get(res.statusCode) ?? 0) + 1);
  if (req.malformed) s.malformed++;
  if (res.statusCode === 400 && res.body.includes('"validation_failed"')) s.validationFailed++;
  kinds.set(req.kind, (kinds.get(req.kind) ?? 0) + 1);
  const problem = problemWith(req, res, authorization);
  if (problem) throw new Error(`${problem}: ${res.statusCode} ${res.body.slice(0, 300)}`);
}

/** One line per failure: the problem and the (shrunk) request, long values cut. */
function describeFailure(req: FuzzRequest | undefined, err: unknown): string {
  const cut = (v: unknown) => (typeof v === 'string' && v.length > 160 ? `${v.slice(0, 160)}…(${v.length})` : Buffer.isBuffer(v) ? `<${v.length} bytes>` : v);
  const shown = req ? Object.fromEntries(Object.entries(req).map(([k, v]) => [k, cut(v)])) : req;
  return `${err instanceof Error ? err.message : String(err)}\n    ${JSON.stringify(shown)}`;
}

/** One fixed-seed draw from an arbitrary: the probes below are the same requests on every run. */
const draw = <T>(arb: fc.Arbitrary<T>, seed: number): T => fc.sample(arb, { numRuns: 1, seed })[0]!;

/** A query or path value as the route sees it: integer params are coerced like z.coerce.number(). */
function paramValue(p: OpenApiParameter, raw: string): unknown {
  const type = schemas.resolve(p.schema).type;
  return type === 'integer' || type === 'number' ? Number(raw) : raw;
}

const BAD_PARAMS = ['a', '-1', '1.5', 'NaN', 'A'.repeat(101), 'x'.repeat(5000)];

/**
 * Deliberately invalid requests for one route, drawn from its own schema: each breaks exactly one
 * part (a path param, a query param, the body) and keeps the rest well-formed, with real ids
 * where the fixture has them. Every one is malformed by the document, so the only acceptable
 * answer is a 4xx, and with a caller the guard lets in it must be 400 validation_failed.
 */
function invalidProbes(target: FuzzTarget): FuzzRequest[] {
  const { op, known } = target;
  const goodParam = (p: OpenApiParameter, seed: number) => known[p.name]?.[0] ?? String(draw(schemas.conforming(p.schema), seed));
  const badParams = (p: OpenApiParameter) => BAD_PARAMS.filter((raw) => !schemas.validates(p.schema, paramValue(p, raw)));
  const pathWith = (broken?: { name: string; raw: string }) =>
    op.pathParams.reduce((url, p, i) => url.replace(`{${p.name}}`, encodeURIComponent(p.name === broken?.name ? broken.raw : goodParam(p, i + 1))), op.path);
  const validBody = op.body && target.bodyLimit !== null ? toJsonText(draw(schemas.conforming(op.body), 7)) : undefined;
  const request = (url: string, kind: string, malformed: string, payload = validBody): FuzzRequest => ({
    identity: 'admin',
    forgery: 0,
    method: op.method,
    url,
    headers: payload === undefined ? {} : { 'content-type': 'application/json' },
    ...(payload === undefined ? {} : { payload }),
    malformed,
    kind,
  });
  const out: FuzzRequest[] = [];
  for (const p of op.pathParams) for (const raw of badParams(p).slice(0, 2)) out.push(request(pathWith({ name: p.name, raw }), 'probe-path', `path param ${p.name}`));
  for (const p of op.queryParams)
    for (const raw of badParams(p).slice(0, 2)) out.push(request(`${pathWith()}?${p.name}=${encodeURIComponent(raw)}`, 'probe-query', `query ${p.name}`));
  if (op.body && target.bodyLimit !== null) {
    const body = op.body;
    const broken = [
      [],
      ...Array.from({ length: 8 }, (_, seed) =>
        draw(
          schemas.conforming(body).chain((v) => schemas.mutate(body, v)),
          seed + 1,
        ),
      ),
    ];
    for (const value of broken.filter((v) => !schemas.validates(body, v)).slice(0, 3)) out.push(request(pathWith(), 'probe-body', 'body field', toJsonText(value)));
  }
  return out;
}

/** Routes (keys) whose deliberately invalid probe answered 400 validation_failed. */
const probedValidation = new Set<string>();

/**
 * Sends `target`'s probes as each signed-in identity, the admin first (the most doors open), until
 * one answers 400 validation_failed. Deterministic coverage of validation behind every guard,
 * whatever the machine's speed; the random runs still do the fuzzing.
 */
async function probeValidation(target: FuzzTarget): Promise<void> {
  for (const identity of ['admin', 'technician', 'requester'] as const) {
    for (const probe of invalidProbes(target)) {
      const before = stats.get(target.op.key)!.validationFailed;
      await send(target.op, { ...probe, identity });
      if (stats.get(target.op.key)!.validationFailed > before) {
        probedValidation.add(target.op.key);
        return;
      }
    }
  }
}

beforeAll(async () => {
  t = await buildJourneyApp();
  // Staff through the real setup and admission API (real key blobs, so /me serialises); the
  // requester through PoW registration and signed sign-in.
  const desk = await setupDesk(t.app);
  const tech = await addTechnician(t.app, desk, 'tom');
  const requester = await newRequester(t, desk);
  const ticket = await submitTicket(t, desk, requester);
  const file = await encryptFile({ ticketId: ticket.ticketId, ticketKey: ticket.ticketKey, signSk: requester.keys.sign.secretKey, bytes: new Uint8Array(randomBytes(150_000)) });
  expect((await announce(t, requester.token, ticket.ticketId, file)).statusCode).toBe(201);
  subjects = { requester: requester.requesterId, technician: tech.staffId, admin: desk.admin.staffId };

  const now = Math.floor(Date.now() / 1000);
  const revoked = await t.app.issueSession('staff', desk.admin.staffId);
  await t.app.revokeSession(revoked.jti);
  const header = base64url({ alg: 'HS256', typ: 'JWT' });
  const claims = base64url({ sub: desk.admin.staffId, typ: 'staff', jti: newId(), exp: now + 600 });
  const otherKey = createHmac('sha256', randomBytes(32)).update(`${header}.${claims}`).digest('base64url');
  forgeries = [
    'Bearer not-a-token',
    `Bearer ${header}.${claims}.${otherKey}`, // signed with someone else's key
    `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${claims}.`,
    `Bearer ${revoked.token}`,
    `Bearer ${t.app.jwt.sign({ sub: desk.admin.staffId, typ: 'requester', jti: newId(), exp: now + 600 })}`, // no such session, wrong kind
    `Bearer ${t.app.jwt.sign({ sub: desk.admin.staffId, typ: 'staff', jti: revoked.jti, exp: now - 10 })}`, // expired
    `Bearer ${'A'.repeat(8000)}`,
    'Basic YWRtaW46YWRtaW4=',
    'Bearer ',
  ];

  const doc = await fetchOpenApi(t.app);
  schemas = new SchemaContext(doc.components?.schemas);
  ops = listOperations(doc);
  registered = listRegisteredRoutes(t.app);

  const onTicket = (op: Operation) => op.path.startsWith('/api/tickets/') || op.path.startsWith('/api/staff/tickets/');
  for (const op of ops) {
    let bodyLimit: number | null = null;
    if (BODY_METHODS.has(op.method)) {
      // The body is read only after the route's guard, so measure as someone it lets in: the
      // requester for the requester's routes, the admin everywhere else, on a ticket that exists.
      const requesterRoute = (op.path.startsWith('/api/tickets') && !op.path.includes('/attachments')) || op.path === '/api/requesters/logout';
      const url = op.path
        .replace(/\{index\}/g, '0')
        .replace(/\{id\}/g, op.path.startsWith('/api/tickets/') ? ticket.ticketId : 'A'.repeat(22))
        .replace(/\{[a-z]+\}/gi, 'A'.repeat(22));
      bodyLimit = await measureBodyLimit(async (payload) => {
        const res = await t.app.inject({
          method: op.method as 'POST',
          url,
          headers: { authorization: (await mintAuthorization(requesterRoute ? 'requester' : 'admin', 0))!, 'content-type': 'application/json' },
          payload,
          remoteAddress: someAddress(),
        });
        return res.statusCode;
      });
    }
    const known: Record<string, string[]> = onTicket(op) ? { id: [ticket.ticketId], aid: [file.attachmentId] } : {};
    targets.set(op.key, { op, bodyLimit, known });
    stats.set(op.key, { sent: 0, validationFailed: 0, statuses: new Map(), malformed: 0 });
  }
  // Measuring every route's body limit is a few hundred requests: slow on a loaded machine.
}, 180_000);

afterAll(async () => {
  await t?.close();
});

describe('fuzzing every route of the OpenAPI document', () => {
  it('the document lists exactly the routes the app registers (docs pages and static files aside)', () => {
    expect(registered.has('GET /api/health')).toBe(true);
    expect(compareRoutes(registered, new Set(ops.map((o) => o.key)), NOT_API_ROUTES)).toEqual({ undocumented: [], unserved: [] });
  });

  it('the comparison notices a route hidden from the document', async () => {
    const other = await buildTestApp({
      extend: (app) => {
        app.post('/api/hidden/:id', { schema: { hide: true } }, async () => ({ ok: true }));
      },
    });
    try {
      const documented = new Set(listOperations(await fetchOpenApi(other.app)).map((o) => o.key));
      expect(compareRoutes(listRegisteredRoutes(other.app), documented, NOT_API_ROUTES).undocumented).toEqual(['POST /api/hidden/{id}']);
    } finally {
      await other.close();
    }
  });

  it('answers malformed input on every route with a documented 4xx, never a 5xx, as anyone', async () => {
    const failures: string[] = [];
    for (const op of ops) {
      const target = targets.get(op.key)!;
      // First the deterministic probes (before the random runs can spend a per-account limit).
      try {
        await probeValidation(target);
      } catch (err) {
        failures.push(`${op.key} (validation probe): ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      const property = fc.asyncProperty(fuzzRequestArb(target, schemas, forgeries.length), (req) => send(op, req));
      for (const params of [{ numRuns: MIN_RUNS }, { numRuns: EXTRA_RUNS, interruptAfterTimeLimit: EXTRA_BUDGET_MS, markInterruptAsFailure: false }]) {
        const out = await fc.check(property, params);
        // fast-check reports a time-boxed run interrupted before its first success as failed
        // (no counterexample): on a loaded machine one slow request can spend the extra budget.
        // Only a request that broke the property is a failure; the MIN_RUNS are never time-boxed.
        if (out.failed && out.counterexample !== null) {
          failures.push(`${op.key} (seed ${out.seed}): ${describeFailure(out.counterexample?.[0], out.errorInstance)}`);
          break;
        }
      }
    }
    expect(failures, failures.join('\n\n')).toEqual([]);

    // Coverage, measured on the server side: the route each request was matched to, from the
    // app's own request log (method + route pattern, status).
    const routed = new Set(
      t.logs.filter((l) => l.msg === 'request' && typeof l.route === 'string').map((l) => opKey(String(l.method), String(l.route).replace(/:([A-Za-z0-9_]+)/g, '{$1}'))),
    );
    expect(
      ops.map((o) => o.key).filter((k) => !routed.has(k)),
      'documented routes the fuzzer never reached',
    ).toEqual([]);
    // Validation behind every guard was reached: each route that takes input answered a
    // deliberately invalid probe with validation_failed (for admin routes, only an admin token
    // gets that far), whatever luck the random runs had within their time budget.
    const takesInput = ops.filter((o) => o.pathParams.length + o.queryParams.length > 0 || o.body);
    expect(
      takesInput.filter((o) => !probedValidation.has(o.key)).map((o) => o.key),
      'routes whose validation was never reached',
    ).toEqual([]);
    for (const kind of ['body-field', 'body-invalid-json', 'body-empty', 'body-content-type', 'body-over-limit', 'body-near-limit', 'body-top-level', 'path-bad', 'query']) {
      expect(kinds.get(kind) ?? 0, `requests of kind ${kind}`).toBeGreaterThan(0);
    }
    const total = [...stats.values()].reduce((n, s) => n + s.sent, 0);
    const malformed = [...stats.values()].reduce((n, s) => n + s.malformed, 0);
    expect(malformed / total).toBeGreaterThan(0.5);
    expect(
      t.logs.filter((l) => Number(l.level) >= 50),
      'error-level log lines',
    ).toEqual([]);
    console.log(
      `fuzz: ${total} requests over ${ops.length} routes, ${malformed} malformed; identities ${IDENTITIES.join('/')}; kinds ${JSON.stringify(Object.fromEntries([...kinds].sort()))}`,
    );
    // MIN_RUNS per route is fixed: on PostgreSQL every request is a network round trip more, which a
    // saturated machine (the whole suite, both projects) stretches past two minutes.
  }, 240_000);

  it('is still healthy afterwards, with an intact database', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, db: 'ok' });
    // SQLite's own check of the file; PostgreSQL has no equivalent a test can run (amcheck is an extension).
    if (t.backend === 'sqlite') expect(t.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
