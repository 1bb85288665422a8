import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// libsodium's ESM build is WebAssembly only: where WebAssembly is disabled (Tor Browser "safer"
// mode) its `ready` rejects and nothing works. The UMD build carries the pure-JS backup module and
// switches to it when WebAssembly fails, so the browser bundle uses that build (and, through its
// `require`, libsodium-sumo's UMD build). Node (server, CLI, tests) keeps the ESM build.
const LIBSODIUM_WITH_JS_FALLBACK = fileURLToPath(
  new URL('./node_modules/libsodium-wrappers-sumo/dist/modules-sumo/libsodium-wrappers.js', import.meta.url),
);

// The SPA: built into client/dist and served by the Fastify server from the same origin.
export default defineConfig({
  root: 'client',
  base: '/',
  resolve: {
    alias: [{ find: /^libsodium-wrappers-sumo$/, replacement: LIBSODIUM_WITH_JS_FALLBACK }],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  worker: { format: 'es' },
});
