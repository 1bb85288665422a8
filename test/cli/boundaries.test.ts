// SECURITY: the staff CLI and the client core run no server code: a staff member's client must not
// depend on what the desk's own process would run (and the core must stay DOM-, Node- and
// network-free; client-core/tsconfig.json checks the first two). The contract reaches them as
// types only, so no zod schema (nor the db enums it reads) is loaded either.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const sources = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
const importsOf = (file: string) =>
  [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^(import|export)(\s+type)?[^'"]*from\s+'([^']+)'/gm)].map((m) => ({ spec: m[3]!, typeOnly: m[2] !== undefined }));

describe('client room boundaries', () => {
  for (const dir of ['cli/staff', 'client-core']) {
    it(`${dir} imports neither server/ nor db/, and the contract only as types`, () => {
      for (const file of sources(dir)) {
        for (const { spec, typeOnly } of importsOf(file)) {
          expect(spec, file).not.toMatch(/(^|\/)(server|db|cli\/operator)(\/|$)/);
          if (/(^|\/)contract(\/|$)/.test(spec)) expect(typeOnly, `${file}: ${spec}`).toBe(true);
        }
      }
    });
  }

  it('client-core calls no network and touches no DOM or Node API', () => {
    for (const file of sources('client-core')) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      expect(text, file).not.toMatch(/\bfetch\(|XMLHttpRequest|WebSocket|\bdocument\.|\bwindow\.|from 'node:/);
    }
  });

  it('cli/staff has one network caller: api.ts', () => {
    const callers = sources('cli/staff').filter((f) => /\bfetch\(/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(callers).toEqual(['cli/staff/api.ts']);
  });
});
