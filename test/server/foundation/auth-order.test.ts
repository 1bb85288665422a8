// Authentication before validation, everywhere: a stranger learns nothing about the shapes
// behind an authenticated route. Walks every route the OpenAPI document marks with `security`
// and sends it, anonymously and with a garbage token, empty, garbage and schema-violating
// bodies: every answer must be 401, never a 400 describing the schema (or a 404 for an id).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../protocol/index';
import { buildTestApp, type TestApp } from '../../helpers/app';
import { fetchOpenApi, listOperations, type Operation } from '../../helpers/fuzz-routes';

let t: TestApp;
let secured: Operation[];
let open: Operation[];
beforeAll(async () => {
  t = await buildTestApp();
  const ops = listOperations(await fetchOpenApi(t.app)).filter((op) => !op.path.startsWith('/api/docs'));
  secured = ops.filter((op) => op.secured);
  open = ops.filter((op) => !op.secured);
});
afterAll(async () => t.close());

const BODIES: { name: string; payload?: string; type?: string }[] = [
  { name: 'no body' },
  { name: 'empty JSON body', payload: '', type: 'application/json' },
  { name: 'garbage', payload: '{"not json', type: 'application/json' },
  { name: 'wrong shape', payload: JSON.stringify({ surely: ['not', 'this'], kind: 'note' }), type: 'application/json' },
  { name: 'text body', payload: 'hello', type: 'text/plain' },
];
const CREDENTIALS: Record<string, string | undefined> = { anonymous: undefined, 'garbage token': 'Bearer not.a.token', 'not bearer': 'Basic Zm9vOmJhcg==' };

describe('authenticated routes', () => {
  it('are listed in the OpenAPI document (requester, staff, admin, attachments, key log)', () => {
    const keys = secured.map((op) => op.key);
    for (const expected of [
      'POST /api/tickets',
      'GET /api/tickets/{id}/messages',
      'POST /api/tickets/{id}/messages',
      'PUT /api/tickets/{id}/attachments/{aid}/chunks/{index}',
      'GET /api/staff/tickets/{id}/messages',
      'POST /api/staff/tickets/{id}/messages',
      'PATCH /api/admin/staff/{id}',
      'POST /api/admin/rewrap',
      'POST /api/keylog',
      'POST /api/requesters/logout',
    ]) {
      expect(keys).toContain(expected);
    }
  });

  it('answer every unauthenticated request 401 before reading the body', async () => {
    for (const op of secured) {
      // Path params deliberately malformed half the time: authentication must still come first.
      for (const [i, body] of BODIES.entries()) {
        for (const [who, authorization] of Object.entries(CREDENTIALS)) {
          const url = op.path.replace(/\{[^}]+\}/g, () => (i % 2 === 0 ? newId() : 'x'));
          const res = await t.app.inject({
            method: op.method as 'GET',
            url,
            headers: { ...(authorization ? { authorization } : {}), ...(body.type ? { 'content-type': body.type } : {}) },
            ...(body.payload === undefined || op.method === 'GET' ? {} : { payload: body.payload }),
          });
          expect({ route: op.key, body: body.name, who, status: res.statusCode, code: res.json().error?.code }).toEqual({
            route: op.key,
            body: body.name,
            who,
            status: 401,
            code: 'unauthorized',
          });
        }
      }
    }
  });

  it('include every route that refuses an anonymous caller (no guarded route is missing `security`)', async () => {
    for (const op of open) {
      const url = op.path.replace(/\{[^}]+\}/g, newId());
      const res = await t.app.inject({ method: op.method as 'GET', url, ...(op.method === 'GET' ? {} : { payload: {} }) });
      expect({ route: op.key, status: res.statusCode }).not.toEqual({ route: op.key, status: 401 });
    }
  });
});
