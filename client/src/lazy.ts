// Loads a lazily built chunk (the staff console) with Subresource Integrity. `import()` cannot
// carry `integrity`, so the files the chunk needs are first fetched as <link rel="modulepreload">
// with their sha384: under the HTML module map rules the verified module is what the import then
// gets, and a file that does not match fails the preload, which fails the import with it.
// SECURITY: the list below is written into this bundle at build time (vite.config.ts
// `lazyChunkIntegrity`), so it is itself covered by index.html's integrity on this file's chunk.

/** Replaced by the build with `{"<chunk name>": [{href, integrity}, …]}` as a JSON string. */
const LAZY_CHUNKS = '__SEALDESK_LAZY_CHUNKS__';

interface LazyFile {
  href: string;
  integrity: string;
}

function lazyFiles(chunk: string): LazyFile[] {
  // The dev server serves unbundled modules: there is no built chunk to pin.
  if (!LAZY_CHUNKS.startsWith('{')) return [];
  const files = (JSON.parse(LAZY_CHUNKS) as Record<string, LazyFile[] | undefined>)[chunk];
  // Fail closed: a built page never imports a chunk it holds no hashes for.
  if (!files) throw new Error(`no integrity for the ${chunk} chunk`);
  return files;
}

// Verified (or in flight) preloads. A failed one is forgotten and its link removed, so trying
// again preloads with integrity again; the import never runs after a failed preload.
const preloads = new Map<string, Promise<void>>();

function preload(file: LazyFile): Promise<void> {
  const known = preloads.get(file.href);
  if (known) return known;
  const link = document.createElement('link');
  const done = new Promise<void>((resolve, reject) => {
    link.rel = 'modulepreload';
    link.href = file.href;
    link.integrity = file.integrity;
    link.addEventListener('load', () => resolve());
    link.addEventListener('error', () => {
      preloads.delete(file.href);
      link.remove();
      reject(new Error(`${file.href} failed its integrity check or could not be loaded`));
    });
  });
  preloads.set(file.href, done);
  document.head.append(link);
  return done;
}

/** Preloads `chunk`'s files with integrity, then runs `load` (the bundler's `import()`). */
export async function importVerified<T>(chunk: string, load: () => Promise<T>): Promise<T> {
  await Promise.all(lazyFiles(chunk).map(preload));
  return load();
}
