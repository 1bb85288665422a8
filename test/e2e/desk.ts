// A real desk for the browser suite: a temp data dir, the headless `setup` CLI (first admin,
// genesis, team key v1), then the real server process on a free port serving the BUILT client
// (client/dist, built by `npm run test:e2e`). Both processes start and stop through
// test/helpers/process.ts (the one spawn helper); the data dir is removed.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliProcess, startServer } from '../helpers/process';

const CLIENT_INDEX = join(process.cwd(), 'client', 'dist', 'index.html');

export const ADMIN = { username: 'admin', password: 'correct horse battery staple e2e' } as const;

export interface Desk {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** The desk fingerprint printed by the setup CLI. */
  fingerprint: string;
  dataDir: string;
  /** Everything the server writes goes here too, for failure reports (in the data dir). */
  logFile: string;
  stop: () => Promise<void>;
}

export interface DeskOptions {
  /** Extra server environment, e.g. a lower SEALDESK_POW_DIFFICULTY. */
  env?: Record<string, string>;
}

/**
 * The headless setup runs Argon2id in the process of the app it injects into; on a loaded machine
 * that blocks the event loop past the load-shedding limit, and the read-back of the key log after
 * the (completed, durable) POST /api/setup answers 503 `overloaded`. The desk is set up then;
 * null says "read the fingerprint from the started server" (startDesk does).
 */
const SHED_READBACK = /GET \/api\/keylog failed \(503 overloaded\)/;

async function runSetup(dataDir: string): Promise<string | null> {
  // The child sees no SEALDESK_* of ours (no SEALDESK_URL or setup token): it builds the app on
  // the data dir itself.
  const run = await runCliProcess(dataDir, ['setup', '--username', ADMIN.username], { SEALDESK_ADMIN_PASSWORD: ADMIN.password, NO_COLOR: '1' });
  const out = run.stdout + run.stderr;
  const fp = /Desk fingerprint: (\S+)/.exec(out)?.[1];
  if (run.code === 0 && fp) return fp;
  if (SHED_READBACK.test(out)) return null;
  throw new Error(`setup CLI exited ${run.code ?? run.signal}:\n${out}`);
}

/** A setup POST shed before it ran wrote nothing: the same data dir takes another attempt. */
async function runSetupRetrying(dataDir: string): Promise<string | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runSetup(dataDir);
    } catch (err) {
      if (attempt >= 3 || !/POST \/api\/setup failed \(503 overloaded\)/.test(String(err))) throw err;
    }
  }
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/api/health`);
      const body = (await res.json()) as { ok?: boolean };
      if (res.ok && body.ok === true) return;
      last = `${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server never became healthy (${last})`);
}

export async function startDesk(opts: DeskOptions = {}): Promise<Desk> {
  if (!existsSync(CLIENT_INDEX)) throw new Error('client/dist is missing: run `npm run test:e2e` (it builds the client first)');
  const dataDir = mkdtempSync(join(tmpdir(), 'sealdesk-e2e-'));
  try {
    const printed = await runSetupRetrying(dataDir);
    const logFile = join(dataDir, 'server-output.log');
    // The server's own limits (no PROCESS_TEST_ENV): the browser suite runs the desk as deployed,
    // with only the settings its callers name. If this process dies without afterAll, the helper
    // SIGKILLs the server's process group on exit.
    const server = await startServer(dataDir, { NO_COLOR: '1', ...opts.env }, 90_000, { logFile, testLimits: false });
    try {
      await waitForHealth(server.url);
    } catch (err) {
      await server.stop();
      throw err;
    }
    const fingerprint = printed ?? ((await (await fetch(`${server.url}/api/desk`)).json()) as { fingerprint: string }).fingerprint;
    return {
      url: server.url,
      fingerprint,
      dataDir,
      logFile,
      stop: async () => {
        await server.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
