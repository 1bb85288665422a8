import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const nodeModule = (path: string) => fileURLToPath(new URL(`./node_modules/${path}`, import.meta.url));

// In the browser `libsodium-wrappers-sumo` is client/src/sodium/loader.ts, which loads one of
// libsodium's two builds at run time: the ES module (WebAssembly only, small) where WebAssembly
// works, the UMD build (which carries the asm.js backup, twice the size) only where it does not.
// Node (server, CLI, tests) keeps the package's own ESM build.
const SODIUM_ALIASES = [
  { find: /^libsodium-wrappers-sumo$/, replacement: fileURLToPath(new URL('./client/src/sodium/loader.ts', import.meta.url)) },
  { find: /^sealdesk-libsodium:wasm$/, replacement: nodeModule('libsodium-wrappers-sumo/dist/modules-sumo-esm/libsodium-wrappers.mjs') },
  { find: /^sealdesk-libsodium:asmjs$/, replacement: nodeModule('libsodium-wrappers-sumo/dist/modules-sumo/libsodium-wrappers.js') },
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * libsodium's ES module build carries its WebAssembly as a 380 KB base64 string, which gzip
 * shrinks badly (~170 KB). This takes the bytes out into a hashed `.wasm` asset (~110 KB gzip)
 * that the worker fetches with an `integrity` check, so a changed file is refused like a changed
 * script. Fails the build if libsodium's layout changes rather than silently shipping the big form.
 */
function libsodiumWasmAsset(): Plugin {
  let base = '/';
  return {
    name: 'sealdesk-libsodium-wasm-asset',
    apply: 'build',
    configResolved(config) {
      base = config.base;
    },
    transform(code, id) {
      if (!id.replace(/\\/g, '/').endsWith('libsodium-sumo/dist/modules-sumo-esm/libsodium-sumo.mjs')) return null;
      const open = code.indexOf('"AGFzbQ');
      const close = code.indexOf('")', open + 1);
      const start = code.lastIndexOf('(A=>{for(', open);
      if (open < 0 || close < 0 || start < 0 || code.indexOf('"', open + 1) !== close || open - start > 400) {
        throw new Error('libsodium-sumo layout changed: cannot find the inlined WebAssembly');
      }
      const wasm = Buffer.from(code.slice(open + 1, close), 'base64');
      if (wasm.subarray(0, 4).toString('latin1') !== '\0asm') throw new Error('libsodium-sumo: inlined bytes are not WebAssembly');
      const fileName = `assets/libsodium-${createHash('sha256').update(wasm).digest('hex').slice(0, 10)}.wasm`;
      this.emitFile({ type: 'asset', fileName, source: wasm });
      const integrity = `sha384-${createHash('sha384').update(wasm).digest('base64')}`;
      const fetchWasm =
        `(await(async()=>{const r=await fetch(${JSON.stringify(base + fileName)},{integrity:${JSON.stringify(integrity)}});` +
        `if(!r.ok)throw new Error("libsodium wasm: HTTP "+r.status);return new Uint8Array(await r.arrayBuffer())})())`;
      return { code: code.slice(0, start) + fetchWasm + code.slice(close + 2), map: null };
    },
  };
}

/**
 * Subresource Integrity on every script and stylesheet index.html loads: a sha384 of the file as
 * built. The server's CSP already limits scripts to this origin; SRI also refuses a file that
 * was changed on disk or by a caching proxy after the build. (A module worker and its dynamic
 * imports cannot carry `integrity` in today's browsers; they stay under the CSP alone. The page's
 * own lazy chunks get theirs through `lazyChunkIntegrity`.)
 */
function subresourceIntegrity(): Plugin {
  return {
    name: 'sealdesk-sri',
    apply: 'build',
    enforce: 'post',
    writeBundle(options) {
      const dir = options.dir ?? '';
      const htmlPath = join(dir, 'index.html');
      const html = readFileSync(htmlPath, 'utf8');
      const withIntegrity = html.replace(
        /<(script|link)\b([^>]*?)\s(src|href)="\/([^"]+)"([^>]*)>/g,
        (tag, name: string, before: string, attr: string, file: string, after: string) => {
          if (/\bintegrity=/.test(tag)) return tag;
          const digest = createHash('sha384')
            .update(readFileSync(join(dir, file)))
            .digest('base64');
          return `<${name}${before} ${attr}="/${file}" integrity="sha384-${digest}"${after}>`;
        },
      );
      writeFileSync(htmlPath, withIntegrity);
    },
  };
}

/**
 * Subresource Integrity for lazily loaded chunks (the staff console). `import()` takes no
 * `integrity`, so client/src/lazy.ts preloads each file a lazy chunk needs as
 * `<link rel="modulepreload" integrity>` first; this writes those files and their sha384 into the
 * entry chunk in place of the `__SEALDESK_LAZY_CHUNKS__` placeholder. It runs on the final code
 * (generateBundle) and before index.html's hashes are taken (writeBundle), so the entry's own
 * integrity covers the list. A lazy chunk's name changes with its content, and the entry names it,
 * so the entry's hashed file name still changes whenever a listed hash does.
 */
function lazyChunkIntegrity(): Plugin {
  // However the minifier quotes it: "…", '…' or `…`.
  const PLACEHOLDER = /(["'`])__SEALDESK_LAZY_CHUNKS__\1/g;
  let base = '/';
  return {
    name: 'sealdesk-lazy-chunk-integrity',
    apply: 'build',
    configResolved(config) {
      base = config.base;
    },
    generateBundle(_options, bundle) {
      const chunks = new Map(
        Object.values(bundle)
          .filter((c) => c.type === 'chunk')
          .map((c) => [c.fileName, c]),
      );
      const closure = (start: string[]): Set<string> => {
        const seen = new Set<string>();
        const queue = [...start];
        while (queue.length > 0) {
          const file = queue.pop()!;
          if (seen.has(file)) continue;
          seen.add(file);
          queue.push(...(chunks.get(file)?.imports ?? []));
        }
        return seen;
      };
      for (const entry of chunks.values()) {
        if (!entry.isEntry || !entry.code.match(PLACEHOLDER)) continue;
        const loaded = closure([entry.fileName]);
        const lazy: Record<string, { href: string; integrity: string }[]> = {};
        for (const file of new Set([...loaded].flatMap((f) => chunks.get(f)?.dynamicImports ?? []))) {
          const chunk = chunks.get(file);
          if (!chunk) throw new Error(`lazy chunk ${file} is not in the bundle`);
          lazy[chunk.name] = [...closure([file])]
            .filter((f) => !loaded.has(f))
            .sort()
            .map((f) => ({ href: `${base}${f}`, integrity: `sha384-${createHash('sha384').update(chunks.get(f)!.code).digest('base64')}` }));
        }
        entry.code = entry.code.replace(PLACEHOLDER, () => JSON.stringify(JSON.stringify(lazy)));
      }
    },
  };
}

/**
 * Writes a brotli (.br) and a gzip (.gz) copy of every text asset beside it, once, at build time:
 * the server sends them as they are (@fastify/static `preCompressed`), so no request pays for
 * compression and the server needs no compression plugin. Runs after SRI so index.html's copies
 * carry the hashes.
 */
function precompress(): Plugin {
  return {
    name: 'sealdesk-precompress',
    apply: 'build',
    enforce: 'post',
    writeBundle: {
      order: 'post',
      handler(options) {
        for (const path of filesUnder(options.dir ?? '')) {
          if (!/\.(?:js|css|html|svg|json|txt|wasm)$/.test(path)) continue;
          const data = readFileSync(path);
          writeFileSync(`${path}.br`, brotliCompressSync(data, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: data.length } }));
          writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
        }
      },
    },
  };
}

// The SPA: built into client/dist and served by the Fastify server from the same origin.
export default defineConfig({
  root: 'client',
  base: '/',
  resolve: { alias: SODIUM_ALIASES },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Vite would otherwise add a modulepreload polyfill (inline-free, but extra bytes nobody needs).
    modulePreload: { polyfill: false },
  },
  plugins: [lazyChunkIntegrity(), subresourceIntegrity(), precompress()],
  worker: { format: 'es', plugins: () => [libsodiumWasmAsset()] },
});
