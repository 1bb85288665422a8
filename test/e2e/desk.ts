// A real desk for the browser suite: a temp data dir, the headless `setup` CLI (first admin,
// genesis, team key v1), then the real server process on a free port serving the BUILT client
// (client/dist, built by `npm run test:e2e`). Stopped by PID; the data dir is removed.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = process.cwd();
// tsx's CLI through node directly (not npx): its pid is the one we stop, and it relays SIGTERM.
const TSX_CLI = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const CLIENT_INDEX = join(ROOT, 'client', 'dist', 'index.html');

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

function baseEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SEALDESK_DATA_DIR: dataDir, NO_COLOR: '1', ...extra };
  // The setup CLI must build the app on the data dir itself, not talk to some other server.
  delete env.SEALDESK_URL;
  delete env.SEALDESK_SETUP_TOKEN;
  return env;
}

/**
 * The headless setup runs Argon2id in the process of the app it injects into; on a loaded machine
 * that blocks the event loop past the load-shedding limit, and the read-back of the key log after
 * the (completed, durable) POST /api/setup answers 503 `overloaded`. The desk is set up then;
 * null says "read the fingerprint from the started server" (startDesk does).
 */
const SHED_READBACK = /GET \/api\/keylog failed \(503 overloaded\)/;

function runSetup(dataDir: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX_CLI, 'cli/index.ts', 'setup', '--username', ADMIN.username], {
      cwd: ROOT,
      env: baseEnv(dataDir, { SEALDESK_ADMIN_PASSWORD: ADMIN.password, SEALDESK_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const fp = /Desk fingerprint: (\S+)/.exec(out)?.[1];
      if (code === 0 && fp) resolve(fp);
      else if (SHED_READBACK.test(out)) resolve(null);
      else reject(new Error(`setup CLI exited ${code}:\n${out}`));
    });
  });
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

/** Starts the server with PORT=0 and reads the bound address from Fastify's "listening" log line. */
function startServer(dataDir: string, logFile: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [TSX_CLI, 'server/server.ts'], {
    cwd: ROOT,
    env: baseEnv(dataDir, { PORT: '0', HOST: '127.0.0.1', SEALDESK_LOG_LEVEL: 'info', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: if tsx does not exit on SIGTERM, the group (tsx and its node child) is
    // killed by the same id.
    detached: true,
  });
  let output = '';
  const keep = (c: Buffer): void => {
    output += c.toString();
    appendFileSync(logFile, c);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stopProcess(child).finally(() => reject(new Error(`server did not report its address:\n${output}`)));
    }, 90_000);
    const onData = (c: Buffer): void => {
      keep(c);
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.on('data', keep);
        resolve({ child, url: m[1]! });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', keep);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited ${code} before listening:\n${output}`));
    });
  });
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

/** SIGTERM by PID, then SIGKILL to the process group if it has not exited within 10 s. */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  const pid = child.pid;
  return new Promise((resolve) => {
    const hard = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, 10_000);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startDesk(opts: DeskOptions = {}): Promise<Desk> {
  if (!existsSync(CLIENT_INDEX)) throw new Error('client/dist is missing: run `npm run test:e2e` (it builds the client first)');
  const dataDir = mkdtempSync(join(tmpdir(), 'sealdesk-e2e-'));
  try {
    const printed = await runSetupRetrying(dataDir);
    const logFile = join(dataDir, 'server-output.log');
    const server = await startServer(dataDir, logFile, opts.env ?? {});
    try {
      await waitForHealth(server.url);
    } catch (err) {
      await stopProcess(server.child);
      throw err;
    }
    const fingerprint = printed ?? ((await (await fetch(`${server.url}/api/desk`)).json()) as { fingerprint: string }).fingerprint;
    // If this test process dies without afterAll, the server (its own process group) goes too.
    const killOnExit = (): void => {
      try {
        if (server.child.pid !== undefined) process.kill(-server.child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    process.once('exit', killOnExit);
    return {
      url: server.url,
      fingerprint,
      dataDir,
      logFile,
      stop: async () => {
        process.off('exit', killOnExit);
        await stopProcess(server.child);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
