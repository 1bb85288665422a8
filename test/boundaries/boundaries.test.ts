// The boundary checks fail when a boundary is crossed. A temp directory mirrors the rooms with
// tiny files; the repo's own .dependency-cruiser.cjs and eslint.config.js run over it (cwd = the
// mirror), and every planted violation must be reported under its rule's name — and nothing else.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const run = promisify(execFile);

type Violation = { from: string; to: string; rule: { name: string } };

/** The rooms as they should be: every import here is allowed. */
const CLEAN: Record<string, string> = {
  'protocol/sodium.ts': "import sodium from 'libsodium-wrappers-sumo';\nexport const ready = sodium.ready;\n",
  'protocol/index.ts':
    "import { z } from 'zod';\nimport canonicalize from 'canonicalize';\nimport { wordlist } from '@scure/bip39/wordlists/english.js';\nexport { ready } from './sodium';\nexport const id = z.string();\nexport const c = [canonicalize, wordlist];\n",
  'contract/index.ts':
    "import { z } from 'zod';\nimport { createSelectSchema } from 'drizzle-zod';\nimport { id } from '../protocol/index';\nimport { tickets } from '../db/schema/index';\nexport const ticket = createSelectSchema(tickets);\nexport const ticketId = z.object({ id });\n",
  'db/schema/index.ts': 'export const tickets = {} as never;\n',
  'db/client.ts': "import { tickets } from './schema/index';\nexport const db = tickets;\n",
  'client-core/index.ts':
    "import { ready } from '../protocol/index';\nimport type { ticketId } from '../contract/index';\nexport type T = typeof ticketId;\nexport const start = ready;\n",
  'client/src/api.ts': "import type { ticketId } from '../../contract/index';\nexport type TicketId = typeof ticketId;\n",
  // The worker bundle configures the zod the protocol uses (CSP: jitless).
  'client/src/worker.ts': "import { config } from 'zod';\nimport { start } from '../../client-core/index';\nconfig({ jitless: true });\nexport const s = start;\n",
  'client/src/main.ts': "import type { ZodType } from 'zod';\nimport type { TicketId } from './api';\nexport type Shape = ZodType | TicketId;\n",
  'server/services/tickets.ts': "import { db } from '../../db/client';\nimport { ticketId } from '../../contract/index';\nexport const list = [db, ticketId];\n",
  'server/routes/api/tickets/index.ts': "import { list } from '../../../services/tickets';\nexport default list;\n",
  'server/app.ts': "import routes from './routes/api/tickets/index';\nimport { secrets } from './plugins/secrets';\nexport const app = [routes, secrets];\n",
  // A cycle through `import type` is erased at compile time: allowed.
  'server/plugins/options.ts': "import type { Secrets } from './secrets';\nexport type Options = { secrets: Secrets };\n",
  'server/plugins/secrets.ts': "import type { Options } from './options';\nexport type Secrets = string;\nexport const secrets = (o: Options) => o.secrets;\n",
  'cli/staff/api.ts': "import type { ticketId } from '../../contract/index';\nexport type TicketId = typeof ticketId;\n",
  'cli/staff/show.ts': "import { start } from '../../client-core/index';\nimport type { TicketId } from './api';\nexport const show = (_: TicketId) => start;\n",
  'cli/operator/backup.ts': "import { app } from '../../server/app';\nexport const backup = app;\n",
};

/** One file per broken rule; `expected` lists exactly what the checker must report for it. */
const PLANTED: { file: string; source: string; expected: string[] }[] = [
  {
    file: 'protocol/storage.ts',
    source: "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
    expected: ['protocol-imports-only-its-libraries: protocol/storage.ts → fs'],
  },
  {
    file: 'protocol/app-leak.ts',
    source: "import { start } from '../client-core/index';\nexport const s = start;\n",
    expected: ['protocol-imports-only-its-libraries: protocol/app-leak.ts → client-core/index.ts'],
  },
  {
    file: 'server/services/second-sodium.ts',
    source: "import sodium from 'libsodium-wrappers-sumo';\nexport const s = sodium;\n",
    expected: ['only-sodium-imports-libsodium: server/services/second-sodium.ts → node_modules/libsodium-wrappers-sumo/'],
  },
  {
    file: 'client/src/views/server-leak.ts',
    source: "import { list } from '../../../server/services/tickets';\nexport const l = list;\n",
    expected: ['clients-never-import-server-or-db: client/src/views/server-leak.ts → server/services/tickets.ts'],
  },
  {
    // Even a type from the server is refused: the client's types come from contract/.
    file: 'client-core/db-types.ts',
    source: "import type { tickets } from '../db/schema/index';\nexport type T = typeof tickets;\n",
    expected: [
      'clients-never-import-server-or-db: client-core/db-types.ts → db/schema/index.ts',
      'client-core-imports-only-protocol-and-contract: client-core/db-types.ts → db/schema/index.ts',
    ],
  },
  {
    file: 'cli/staff/db-leak.ts',
    source: "import { db } from '../../db/client';\nexport const d = db;\n",
    expected: ['clients-never-import-server-or-db: cli/staff/db-leak.ts → db/client.ts'],
  },
  {
    file: 'cli/staff/through-operator.ts',
    source: "import { backup } from '../operator/backup';\nexport const b = backup;\n",
    expected: ['staff-cli-never-imports-operator-cli: cli/staff/through-operator.ts → cli/operator/backup.ts'],
  },
  {
    file: 'client/src/contract-at-run-time.ts',
    source: "import { ticketId } from '../../contract/index';\nexport const t = ticketId;\n",
    expected: ['clients-import-contract-types-only: client/src/contract-at-run-time.ts → contract/index.ts'],
  },
  {
    file: 'client/src/views/unlock-here.ts',
    source: "import { start } from '../../../client-core/index';\nexport const s = start;\n",
    expected: ['page-keeps-crypto-in-the-worker: client/src/views/unlock-here.ts → client-core/index.ts'],
  },
  {
    file: 'client-core/node-random.ts',
    source: "import { randomBytes } from 'node:crypto';\nexport const r = randomBytes;\n",
    expected: ['client-core-imports-only-protocol-and-contract: client-core/node-random.ts → crypto'],
  },
  {
    file: 'contract/fastify-leak.ts',
    source: "import type { FastifyInstance } from 'fastify';\nexport type App = FastifyInstance;\n",
    expected: ['contract-imports-only-zod-protocol-and-schema: contract/fastify-leak.ts → node_modules/fastify/'],
  },
  {
    file: 'server/client-leak.ts',
    source: "import { start } from '../client-core/index';\nexport const s = start;\n",
    expected: ['server-never-imports-clients: server/client-leak.ts → client-core/index.ts'],
  },
  {
    file: 'server/services/route-leak.ts',
    source: "import routes from '../routes/api/tickets/index';\nexport const r = routes;\n",
    expected: ['services-never-import-routes: server/services/route-leak.ts → server/routes/api/tickets/index.ts'],
  },
  {
    file: 'client/src/views/validate.ts',
    source: "import { z } from 'zod';\nexport const s = z.string();\n",
    expected: ['no-zod-in-page-bundle: client/src/views/validate.ts → node_modules/zod/'],
  },
  {
    file: 'server/services/cycle-a.ts',
    source: "import { b } from './cycle-b';\nexport const a = () => b;\n",
    expected: ['no-circular-in-room: server/services/cycle-a.ts → server/services/cycle-b.ts'],
  },
  {
    file: 'server/services/cycle-b.ts',
    source: "import { a } from './cycle-a';\nexport const b = () => a;\n",
    expected: [], // a cycle is reported once, at its first module
  },
  {
    file: 'client/src/typo.ts',
    source: "import { x } from './does-not-exist';\nexport const y = x;\n",
    expected: ['no-unresolvable-import: client/src/typo.ts → ./does-not-exist'],
  },
];

function writeTree(dir: string, files: Record<string, string>): void {
  for (const [file, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), source);
  }
}

/** A mirror of the repo's rooms; node_modules links to the real install so packages resolve. */
function mirror(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sealdesk-boundaries-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeTree(dir, files);
  return dir;
}

/** Runs the depcruise CLI with the repo's config in `cwd`; returns every violation it reports. */
async function cruise(cwd: string, extraArgs: string[] = []): Promise<Violation[]> {
  const args = [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', ...extraArgs, '.'];
  // depcruise exits non-zero when it finds violations; the JSON report is on stdout either way.
  const { stdout } = await run(process.execPath, args, { cwd, maxBuffer: 64 * 1024 * 1024 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  const report = JSON.parse(stdout) as { summary: { violations: Violation[] } };
  return report.summary.violations;
}

/** "rule: from → to", with package paths cut at the package so the list reads stably. */
function describeViolation(v: Violation): string {
  const to = v.to.replace(/^(node_modules\/(?:@[^/]+\/)?[^/]+\/).*$/, '$1');
  return `${v.rule.name}: ${v.from} → ${to}`;
}

function ruleNames(): string[] {
  const config = createRequire(import.meta.url)(CONFIG) as { forbidden: { name: string }[] };
  return config.forbidden.map((r) => r.name);
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  it('accepts rooms that keep to their imports', async () => {
    // Given a mirror with only allowed imports
    const dir = mirror(CLEAN);
    dirs.push(dir);
    // When the checker runs, Then it reports nothing
    expect((await cruise(dir)).map(describeViolation)).toEqual([]);
  });

  it('reports every planted violation by its rule name, and nothing else', async () => {
    // Given the same mirror with one file per broken rule
    const dir = mirror({ ...CLEAN, ...Object.fromEntries(PLANTED.map((p) => [p.file, p.source])) });
    dirs.push(dir);
    // When the checker runs
    const reported = (await cruise(dir)).map(describeViolation).sort();
    // Then each planted violation is reported under its rule, and no clean file is
    expect(reported).toEqual(PLANTED.flatMap((p) => p.expected).sort());
  });

  it('covers every rule in the config with a planted violation', () => {
    const planted = new Set(PLANTED.flatMap((p) => p.expected.map((e) => e.split(':')[0])));
    expect(ruleNames().filter((name) => !planted.has(name))).toEqual([]);
  });

  it('is described rule for rule in docs/ARCHITECTURE.md', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');
    expect(ruleNames().filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });

  it('passes on the real repo', async () => {
    expect((await cruise(ROOT)).map(describeViolation)).toEqual([]);
  });
});

describe('network and import rules (eslint.config.js)', () => {
  let dir: string;
  let eslint: ESLint;

  beforeAll(() => {
    dir = mirror({
      'client/src/api.ts': 'export const get = (url: string) => fetch(url);\n',
      'client/src/views/queue.ts': "export const load = () => fetch('/api/staff/tickets');\n",
      'client-core/sync.ts': "export const load = () => globalThis.fetch('/api/keylog');\n",
      'client/src/views/beacon.ts': "export const ping = () => navigator.sendBeacon('/api/health');\n",
      'client/src/views/inline-type.ts': "import { type ZodType } from 'zod';\nexport type S = ZodType;\n",
      'test/server/flow.test.ts': "export const load = () => fetch('http://127.0.0.1/api/health');\n",
      // cli/ is linted type-aware, so its files need the room's tsconfig beside them.
      'cli/staff/api.ts': 'export const get = (url: string) => fetch(url);\n',
      'cli/staff/queue.ts': "export const load = () => fetch('http://127.0.0.1:8080/api/staff/tickets');\n",
      'cli/tsconfig.json': readFileSync(join(ROOT, 'cli/tsconfig.json'), 'utf8'),
      'tsconfig.base.json': readFileSync(join(ROOT, 'tsconfig.base.json'), 'utf8'),
    });
    dirs.push(dir);
    eslint = new ESLint({ cwd: dir, overrideConfigFile: join(ROOT, 'eslint.config.js') });
  });

  async function findings(file: string): Promise<string[]> {
    const [result] = await eslint.lintFiles([join(dir, file)]);
    return (result?.messages ?? []).map((m) => `${m.ruleId ?? m.message}`);
  }

  it('refuses fetch outside the api modules', async () => {
    expect(await findings('client/src/views/queue.ts')).toEqual(['no-restricted-globals']);
    expect(await findings('client-core/sync.ts')).toEqual(['no-restricted-properties']);
    expect(await findings('client/src/views/beacon.ts')).toEqual(['no-restricted-properties']);
    expect(await findings('cli/staff/queue.ts')).toEqual(['no-restricted-globals']);
  });

  it('refuses `import { type X }`, which loads the module at run time under verbatimModuleSyntax', async () => {
    // The cruiser counts it as type-only; without this rule zod could enter the page bundle unseen.
    expect(await findings('client/src/views/inline-type.ts')).toEqual(['@typescript-eslint/no-import-type-side-effects']);
  });

  it('allows fetch in the two api modules and in tests', async () => {
    expect(await findings('client/src/api.ts')).toEqual([]);
    expect(await findings('cli/staff/api.ts')).toEqual([]);
    expect(await findings('test/server/flow.test.ts')).toEqual([]);
  });
});
