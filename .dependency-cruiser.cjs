// The rooms and what each may import (docs/ARCHITECTURE.md lists the same rules as a table).
// `npm run lint:deps` fails on any violation; test/boundaries/ plants one per rule and checks
// that each is reported by its name. A rule loosened here loosens a security boundary: the
// SECURITY: notes say what breaks without it.

// Type-level imports (`import type`, `import('…').T`) vanish at compile time, so they carry no
// code into a bundle. `import { type X }` (no `import type`) is counted as type-only by the
// cruiser but leaves `import {} from …` behind under verbatimModuleSyntax; ESLint's
// no-import-type-side-effects rule rewrites it to `import type`.
const TYPE_LEVEL = ['type-only', 'type-import'];

const npm = (...names) => names.map((n) => `(^|/)node_modules/${n}/`);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'protocol-imports-only-its-libraries',
      comment:
        'SECURITY: the protocol runs unchanged in the browser worker, the server and the CLI; a Node, DOM or app import would tie it to one runtime or let app code into the crypto.',
      severity: 'error',
      from: { path: '^protocol/' },
      to: { pathNot: ['^protocol/', ...npm('libsodium-wrappers-sumo', 'zod', '@scure/bip39', 'canonicalize')] },
    },
    {
      name: 'only-sodium-imports-libsodium',
      comment:
        'SECURITY: protocol/sodium.ts is the one seam over libsodium; a second importer bypasses its typed interface (and its ready/fallback handling). client/src/sodium/ is what vite.config.ts aliases the libsodium import to in the browser (it picks the WebAssembly or asm.js build and hands protocol/sodium.ts the same object), so it is the same seam, not a second importer.',
      severity: 'error',
      from: { pathNot: ['^protocol/sodium\\.ts$', '^client/src/sodium/'] },
      to: { path: npm('libsodium-wrappers-sumo', 'libsodium-wrappers', 'libsodium-sumo', 'libsodium') },
    },
    {
      name: 'clients-never-import-server-or-db',
      comment:
        'SECURITY: the web app, the client core and the staff CLI are clients: they reach the server only over HTTP and run none of its code. A client that imports server or db code could bypass the API (and its guards) or trust server internals instead of verifying what the server sends.',
      severity: 'error',
      from: { path: '^(client|client-core|cli/staff)/' },
      to: { path: '^(server|db)/' },
    },
    {
      name: 'staff-cli-never-imports-operator-cli',
      comment: 'cli/operator/ opens the data directory and imports server/; the staff CLI would reach the server through it.',
      severity: 'error',
      from: { path: '^cli/staff/' },
      to: { path: '^cli/operator/' },
    },
    {
      name: 'clients-import-contract-types-only',
      comment: 'The wire contract is zod schemas: the clients use its types, and a run-time import would carry zod (and through drizzle-zod the schema) into the client.',
      severity: 'error',
      from: { path: '^(client|client-core|cli/staff)/' },
      to: { path: '^contract/', dependencyTypesNot: TYPE_LEVEL },
    },
    {
      name: 'page-keeps-crypto-in-the-worker',
      comment:
        "SECURITY: secret keys live only in the worker's vault. A page module that loads the client core or the protocol at run time could hold keys in the page (and carries libsodium into the page bundle). The page imports their types, the leaf rules module and the protocol's constants only; the worker files and the libsodium loader are the exception.",
      severity: 'error',
      from: { path: '^client/src/', pathNot: ['^client/src/worker\\.ts$', '^client/src/worker-handlers\\.ts$', '^client/src/sodium/'] },
      to: { path: ['^client-core/', '^protocol/'], pathNot: ['^client-core/rules\\.ts$', '^protocol/constants\\.ts$'], dependencyTypesNot: TYPE_LEVEL },
    },
    {
      name: 'client-core-imports-only-protocol-and-contract',
      comment: 'The client core runs in the browser worker and in the CLI: no DOM, no Node, no fetch, no library of its own; the protocol does the crypto.',
      severity: 'error',
      from: { path: '^client-core/' },
      to: { pathNot: ['^client-core/', '^protocol/', '^contract/'] },
    },
    {
      name: 'contract-imports-only-zod-protocol-and-schema',
      comment: 'The contract is imported by the server and (types) by every client: no Fastify, no Node, no app code.',
      severity: 'error',
      from: { path: '^contract/' },
      to: { pathNot: ['^contract/', '^protocol/', '^db/schema/', ...npm('zod', 'drizzle-zod')] },
    },
    {
      name: 'server-never-imports-clients',
      comment: 'The server serves the web app as built files; importing client code would run it on the server.',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: '^(client|client-core|cli)/' },
    },
    {
      name: 'services-never-import-routes',
      comment: 'Services hold the domain logic over the database; routes depend on services, never the reverse.',
      severity: 'error',
      from: { path: '^server/services/' },
      to: { path: '^server/routes/' },
    },
    {
      name: 'no-zod-in-page-bundle',
      comment:
        'The page bundle stays small and holds no parser of its own: zod reaches the browser only through protocol/ inside the crypto worker. worker.ts is the worker bundle and configures that zod instance for the CSP (jitless).',
      severity: 'error',
      from: { path: '^client/', pathNot: '^client/src/worker\\.ts$' },
      to: { path: npm('zod'), dependencyTypesNot: TYPE_LEVEL },
    },
    {
      name: 'no-circular-in-room',
      comment:
        'A run-time cycle inside a room means its modules cannot be understood (or loaded) one at a time. A cycle through an `import type` is erased at compile time and allowed (an options type beside the plugins that declare its parts).',
      severity: 'error',
      from: { path: '^([^/]+)/' },
      to: { circular: true, path: '^$1/', viaOnly: { dependencyTypesNot: TYPE_LEVEL } },
    },
    {
      name: 'no-unresolvable-import',
      comment: 'An import the cruiser cannot resolve escapes every rule above.',
      severity: 'error',
      from: {},
      // sealdesk-libsodium:* are the Vite build's own virtual modules (vite.config.ts).
      to: { couldNotResolve: true, pathNot: '^sealdesk-libsodium:' },
    },
  ],
  options: {
    // Count `import type` too, so the rules can tell type-level imports from run-time ones.
    tsPreCompilationDeps: true,
    // node_modules may be a symlink (a worktree sharing an install); keep paths as imported.
    preserveSymlinks: true,
    doNotFollow: { path: '(^|/)node_modules/' },
    exclude: { path: '^(client/dist|data|coverage|\\.scratch)/' },
    enhancedResolveOptions: {
      // Resolve packages the way Node and Vite do (vite, vitest are ESM-only `exports` maps).
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
