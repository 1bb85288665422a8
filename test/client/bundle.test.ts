// The production build obeys the server's CSP and loads nothing from another origin.
// Builds the real client with the real vite.config.ts into a temp directory.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
let out: string;
let html: string;
let assets: Map<string, string>;

// String literals inside bundled libraries that are identifiers, never fetched: zod's JSON
// Schema dialect names and its IPv6 URL-parsing template.
const ALLOWED_URLS = new Set([
  'https://json-schema.org/draft/2020-12/schema',
  'http://json-schema.org/draft-07/schema#',
  'http://json-schema.org/draft-04/schema#',
  'http://[${e}]',
]);

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'sealdesk-client-'));
  // vitest sets NODE_ENV=test, which makes Vite pick libraries' development builds; build what
  // `npm run build` ships.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  await build({ configFile: join(ROOT, 'vite.config.ts'), mode: 'production', logLevel: 'silent', build: { outDir: out, emptyOutDir: true } }).finally(() => {
    process.env.NODE_ENV = nodeEnv;
  });
  html = readFileSync(join(out, 'index.html'), 'utf8');
  assets = new Map(readdirSync(join(out, 'assets')).map((f) => [f, readFileSync(join(out, 'assets', f), 'utf8')]));
}, 120_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

describe('client build', () => {
  it('has no inline scripts, inline styles or style attributes in index.html', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc="\/assets\/[^"]+\.js"/);
      expect(body?.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it('references only same-origin assets', () => {
    const refs = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(ref.startsWith('/assets/')).toBe(true);
  });

  it('contains no external URL except known non-fetched library literals', () => {
    const found = new Set<string>();
    for (const text of [html, ...assets.values()]) {
      for (const m of text.matchAll(/https?:\/\/[^\s"'`)<>]*/g)) found.add(m[0]);
    }
    expect([...found].filter((u) => !ALLOWED_URLS.has(u))).toEqual([]);
  });

  it('emits the crypto worker as its own ES module file and one stylesheet', () => {
    const files = [...assets.keys()];
    const workers = files.filter((f) => f.startsWith('worker') && f.endsWith('.js'));
    expect(workers).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.css'))).toHaveLength(1);
    const worker = assets.get(workers[0] ?? '') ?? '';
    expect(worker).toMatch(/crypto_pwhash/);
    // SECURITY: libsodium must not end up in the page bundle: keys belong in the worker.
    for (const [f, text] of assets) if (f.startsWith('index') && f.endsWith('.js')) expect(text).not.toMatch(/crypto_pwhash/);
  });

  it('never calls eval or new Function', () => {
    for (const text of assets.values()) {
      expect(text).not.toMatch(/[^\w.$]eval\(/);
      expect(text).not.toMatch(/new Function\(/);
    }
  });
});
