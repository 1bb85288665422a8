// The production build obeys the server's CSP and loads nothing from another origin.
// Builds the real client with the real vite.config.ts into a temp directory.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClient, DEFAULT_PATH_BUDGET_GZIP, DEFAULT_PATH_WITH_WASM_CEILING_GZIP, measurePageWeight } from '../../bench/page-weight';
import staticPlugin from '../../server/plugins/external/static';

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
  // XMP packet identifiers that client-core/metadata.ts compares segment headers with (never fetched).
  'http://ns.adobe.com/xap/1.0/\\0',
  'http://ns.adobe.com/xmp/extension/\\0',
]);

beforeAll(async () => {
  // The same build `npm run build` ships (production mode, real vite.config.ts).
  out = await buildClient();
  html = readFileSync(join(out, 'index.html'), 'utf8');
  assets = new Map(
    readdirSync(join(out, 'assets'))
      .filter((f) => /\.(?:js|css)$/.test(f))
      .map((f) => [f, readFileSync(join(out, 'assets', f), 'utf8')]),
  );
}, 120_000);

afterAll(() => {
  if (out && existsSync(out)) rmSync(out, { recursive: true, force: true });
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
    // SECURITY: libsodium must not end up in the page bundle: keys belong in the worker.
    for (const [f, text] of assets) if ((f.startsWith('index') || f.startsWith('pages')) && f.endsWith('.js')) expect(text).not.toMatch(/crypto_pwhash/);
  });

  it('loads libsodium in the worker: the WebAssembly build by default, the asm.js build only as the fallback', () => {
    const files = [...assets.keys()];
    const worker = assets.get(files.find((f) => f.startsWith('worker-')) ?? '') ?? '';
    const wasmChunk = files.find((f) => /^wasm-[\w-]+\.js$/.test(f));
    const asmjsChunk = files.find((f) => /^asmjs-[\w-]+\.js$/.test(f));
    expect(worker).toContain(`./${wasmChunk}`);
    expect(worker).toContain(`./${asmjsChunk}`);
    expect(assets.get(asmjsChunk ?? '')).toMatch(/crypto_pwhash/);
    // The ES build's WebAssembly is a separate hashed file, fetched with its sha384.
    const wasmFile = readdirSync(join(out, 'assets')).find((f) => /^libsodium-[\w-]+\.wasm$/.test(f)) ?? '';
    const bytes = readFileSync(join(out, 'assets', wasmFile));
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('\0asm');
    const chunk = assets.get(wasmChunk ?? '') ?? '';
    expect(chunk).toContain(`/assets/${wasmFile}`);
    expect(chunk).toContain(`sha384-${createHash('sha384').update(bytes).digest('base64')}`);
    expect(chunk).not.toContain('"AGFzbQ');
  });

  it(`keeps a requester's first visit (WebAssembly) under ${DEFAULT_PATH_BUDGET_GZIP / 1024} KB gzip of JavaScript, and of JavaScript with the .wasm; the asm.js build is only on the other path`, () => {
    const weight = measurePageWeight(out);
    expect(weight.defaultPath.jsGzipBytes).toBeLessThanOrEqual(DEFAULT_PATH_BUDGET_GZIP);
    expect(weight.defaultPath.gzipBytes).toBeLessThanOrEqual(DEFAULT_PATH_WITH_WASM_CEILING_GZIP);
    expect(weight.defaultPath.files.some((f) => f.startsWith('asmjs-'))).toBe(false);
    expect(weight.noWasmPath.files.some((f) => f.startsWith('asmjs-'))).toBe(true);
    expect(weight.noWasmPath.files.some((f) => f.endsWith('.wasm') || f.startsWith('wasm-'))).toBe(false);
  });

  it("loads the staff and admin console lazily: not on a requester's first visit, only on a staff page", () => {
    const weight = measurePageWeight(out);
    const pages = [...assets.keys()].filter((f) => /^pages-[\w-]+\.js$/.test(f));
    expect(pages).toHaveLength(1);
    expect(weight.lazyFiles).toEqual(pages);
    expect(weight.defaultPath.files).not.toContain(pages[0]);
    expect(weight.noWasmPath.files).not.toContain(pages[0]);
    expect(weight.staffPath.files).toContain(pages[0]);
    // The console's own views and strings' users are in it, not in the first visit's entry
    const entry = assets.get([...assets.keys()].find((f) => /^index-[\w-]+\.js$/.test(f)) ?? '') ?? '';
    for (const marker of ['data-test="staff-queue"', 'data-test="admin-nav"', 'data-test="staff-login-form"']) {
      expect({ marker, inEntry: entry.includes(marker) }).toEqual({ marker, inEntry: false });
    }
    expect(assets.get(pages[0]!)).toContain('data-test="staff-queue"');
  });

  it("writes each lazy chunk's sha384 into the entry, so the page preloads it with integrity before importing it", () => {
    const entry = assets.get([...assets.keys()].find((f) => /^index-[\w-]+\.js$/.test(f)) ?? '') ?? '';
    expect(entry).not.toContain('__SEALDESK_LAZY_CHUNKS__');
    // The list is a JS string literal holding JSON: "{\"pages\":[…]}".
    const literal = /^"(?:[^"\\]|\\.)*"/.exec(entry.slice(entry.indexOf('"{\\"pages\\"')))?.[0];
    expect(literal).toBeDefined();
    const lazy = JSON.parse(JSON.parse(literal ?? '""') as string) as Record<string, { href: string; integrity: string }[]>;
    expect(Object.keys(lazy)).toEqual(['pages']);
    const files = lazy.pages!;
    expect(files.length).toBeGreaterThan(0);
    for (const { href, integrity } of files) {
      const digest = createHash('sha384')
        .update(readFileSync(join(out, href)))
        .digest('base64');
      expect(integrity).toBe(`sha384-${digest}`);
    }
    expect(files.map((f) => f.href.replace('/assets/', ''))).toEqual(measurePageWeight(out).lazyFiles);
  });

  it('gives every script and stylesheet in index.html a sha384 integrity that matches the file', () => {
    const tags = [...html.matchAll(/<(?:script|link)\b[^>]*(?:src|href)="\/assets\/([^"]+)"[^>]*>/g)];
    expect(tags.length).toBeGreaterThanOrEqual(2);
    for (const [tag, file] of tags) {
      const digest = createHash('sha384')
        .update(readFileSync(join(out, 'assets', file ?? '')))
        .digest('base64');
      expect(tag).toContain(`integrity="sha384-${digest}"`);
    }
  });

  it('writes a brotli and a gzip copy beside every text asset, with the same content', () => {
    for (const f of [...assets.keys(), '../index.html']) {
      const path = join(out, 'assets', f);
      const raw = readFileSync(path);
      expect(brotliDecompressSync(readFileSync(`${path}.br`)).equals(raw)).toBe(true);
      expect(gunzipSync(readFileSync(`${path}.gz`)).equals(raw)).toBe(true);
    }
  });

  it('is served compressed, hashed assets immutable and the shell revalidated', async () => {
    const app = Fastify();
    await app.register(staticPlugin, { clientDist: out });
    app.setNotFoundHandler((_req, reply) => app.sendSpaShell(reply));
    try {
      const script = [...assets.keys()].find((f) => f.startsWith('index-') && f.endsWith('.js'));
      const br = await app.inject({ url: `/assets/${script}`, headers: { 'accept-encoding': 'br, gzip' } });
      expect(br.statusCode).toBe(200);
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers['content-type']).toMatch(/javascript/);
      expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(br.headers.vary).toMatch(/accept-encoding/i);
      expect(brotliDecompressSync(br.rawPayload).toString('utf8')).toBe(assets.get(script ?? ''));

      const gz = await app.inject({ url: `/assets/${script}`, headers: { 'accept-encoding': 'gzip' } });
      expect(gz.headers['content-encoding']).toBe('gzip');
      const plain = await app.inject({ url: `/assets/${script}` });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body).toBe(assets.get(script ?? ''));

      for (const url of ['/', '/index.html', '/no-such-page']) {
        const shell = await app.inject({ url, headers: { 'accept-encoding': 'br' } });
        expect(shell.statusCode).toBe(200);
        expect(shell.headers['cache-control']).toBe('no-cache');
        expect(brotliDecompressSync(shell.rawPayload).toString('utf8')).toBe(html);
      }
    } finally {
      await app.close();
    }
  });

  it('never calls eval or new Function', () => {
    for (const text of assets.values()) {
      expect(text).not.toMatch(/[^\w.$]eval\(/);
      expect(text).not.toMatch(/new Function\(/);
    }
  });
});
