// Page-weight benchmark: `npx tsx bench/page-weight.ts`. Writes bench/page-weight.json.
// Builds the web client (as `npm run build` does) into a temp dir and adds up the compressed
// bytes a browser downloads to run it: index.html's scripts, the crypto worker and everything
// they reference, on the default path (WebAssembly: libsodium's ES module build and its .wasm)
// and on the no-WebAssembly path (libsodium's UMD build with the asm.js backup). A requester's
// first visit never loads the lazy staff console chunk; a staff member's visit adds it (the
// `staffPath` figure). The stylesheet and index.html are reported apart: the budget is about code.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

/** The budget from issue 12: JavaScript on the default path, gzip ("≤ 250 KB gzip of JavaScript in total"). */
export const DEFAULT_PATH_BUDGET_GZIP = 250 * 1024;
/**
 * The whole default path of a requester's first visit, libsodium's .wasm included (~125 KB gzip
 * of it): since the staff and admin console loads lazily, JavaScript and WebAssembly together fit
 * the same 250 KB (docs/DECISIONS.md "Lazy staff console").
 */
export const DEFAULT_PATH_WITH_WASM_CEILING_GZIP = 250 * 1024;

export interface PathWeight {
  files: string[];
  rawBytes: number;
  gzipBytes: number;
  brotliBytes: number;
  /** The JavaScript files alone (what the budget counts). */
  jsGzipBytes: number;
}

export interface PageWeight {
  /** A requester's first visit with WebAssembly: no lazy chunk. */
  defaultPath: PathWeight;
  /** A requester's first visit without WebAssembly (asm.js). */
  noWasmPath: PathWeight;
  /** A staff member's visit with WebAssembly: the default path plus the lazy staff console. */
  staffPath: PathWeight;
  /** The lazily loaded chunks (those client/src/lazy.ts preloads with integrity). */
  lazyFiles: string[];
  stylesheetGzipBytes: number;
  indexHtmlGzipBytes: number;
}

// The worker's two libsodium builds (client/src/sodium/{wasm,asmjs}.ts) and the .wasm the ES
// build fetches: each path loads one build and never the other.
const ONLY_WITH_WASM = /^(?:wasm-[\w-]+\.js|libsodium-[\w-]+\.wasm)$/;
const ONLY_WITHOUT_WASM = /^asmjs-[\w-]+\.js$/;
const REFERENCE = /(?:\.\/|\/assets\/)([\w.-]+\.(?:js|wasm))\b/g;
// The lazy chunks' list that vite.config.ts writes into the entry (a JSON string in the code).
const LAZY_ENTRY = /\\"href\\":\\"\/assets\/([\w.-]+\.js)\\"/g;

function compressed(dir: string, file: string, ext: '.gz' | '.br'): number {
  try {
    return readFileSync(join(dir, `${file}${ext}`)).length;
  } catch {
    const data = readFileSync(join(dir, file));
    return ext === '.gz' ? gzipSync(data, { level: 9 }).length : brotliCompressSync(data, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
}

/** Follows every file reference from index.html's scripts, skipping the other path's build (and lazy chunks where asked). */
function walk(assets: string, entries: string[], skip: (file: string) => boolean): PathWeight {
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file) || skip(file)) continue;
    seen.add(file);
    if (!file.endsWith('.js')) continue;
    for (const m of readFileSync(join(assets, file), 'utf8').matchAll(REFERENCE)) queue.push(m[1]!);
  }
  const files = [...seen].sort();
  const sum = (f: (file: string) => number) => files.reduce((n, file) => n + f(file), 0);
  return {
    files,
    rawBytes: sum((file) => readFileSync(join(assets, file)).length),
    gzipBytes: sum((file) => compressed(assets, file, '.gz')),
    brotliBytes: sum((file) => compressed(assets, file, '.br')),
    jsGzipBytes: files.filter((file) => file.endsWith('.js')).reduce((n, file) => n + compressed(assets, file, '.gz'), 0),
  };
}

/** Measures a built client directory (client/dist or a temp build). */
export function measurePageWeight(dist: string): PageWeight {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const assets = join(dist, 'assets');
  const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="\/assets\/([^"]+\.js)"/g), ...html.matchAll(/<link\b[^>]*rel="modulepreload"[^>]*href="\/assets\/([^"]+)"/g)].map(
    (m) => m[1]!,
  );
  const lazy = new Set(scripts.flatMap((f) => [...readFileSync(join(assets, f), 'utf8').matchAll(LAZY_ENTRY)].map((m) => m[1]!)));
  const css = [...html.matchAll(/<link\b[^>]*rel="stylesheet"[^>]*href="\/assets\/([^"]+)"/g)].map((m) => m[1]!);
  return {
    defaultPath: walk(assets, scripts, (f) => ONLY_WITHOUT_WASM.test(f) || lazy.has(f)),
    noWasmPath: walk(assets, scripts, (f) => ONLY_WITH_WASM.test(f) || lazy.has(f)),
    staffPath: walk(assets, scripts, (f) => ONLY_WITHOUT_WASM.test(f)),
    lazyFiles: [...lazy].sort(),
    stylesheetGzipBytes: css.reduce((n, f) => n + compressed(assets, f, '.gz'), 0),
    indexHtmlGzipBytes: gzipSync(html, { level: 9 }).length,
  };
}

/** Builds the client exactly as `npm run build` does, into a fresh temp directory. */
export async function buildClient(): Promise<string> {
  const { build } = await import('vite');
  const out = mkdtempSync(join(tmpdir(), 'sealdesk-page-weight-'));
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
      mode: 'production',
      logLevel: 'silent',
      build: { outDir: out, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = await buildClient();
  try {
    const weight = measurePageWeight(out);
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    for (const [name, p] of [
      ['default (WebAssembly)', weight.defaultPath],
      ['no WebAssembly', weight.noWasmPath],
      ['staff (WebAssembly + staff console)', weight.staffPath],
    ] as const) {
      console.log(`${name}: ${kb(p.gzipBytes)} gzip (JavaScript ${kb(p.jsGzipBytes)}), ${kb(p.brotliBytes)} brotli, ${kb(p.rawBytes)} raw — ${p.files.join(', ')}`);
    }
    writeFileSync(
      fileURLToPath(new URL('./page-weight.json', import.meta.url)),
      `${JSON.stringify({ at: new Date().toISOString(), budgetGzipBytes: DEFAULT_PATH_BUDGET_GZIP, ...weight }, null, 2)}\n`,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
