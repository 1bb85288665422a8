import { defineConfig } from 'vite';

// The SPA: built into client/dist and served by the Fastify server from the same origin.
export default defineConfig({
  root: 'client',
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  worker: { format: 'es' },
});
