// The real server as a child process, the CLI as a child process, and a protocol-module client
// that talks to them over real HTTP (fetch): what reliability tests need to kill, restart, back
// up and restore a desk the way an operator would. In-process suites use app.ts/requester.ts.
//   const admin = await setupDeskProcess(dataDir);            // headless `cli setup`
//   const server = await startServer(dataDir);                 // waits for "Server listening at"
//   const staff = await loginStaffHttp(server.url, admin);     // Argon2 → grants → team key
//   const r = await registerRequesterHttp(server.url);         // PoW, registration, sign-in
//   await server.kill('SIGKILL');                              // resolves once it has exited
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as p from '../../protocol/index';
import { dbFilePath } from '../../server/app';
import { httpDesk } from '../../cli/staff/api';
import { loginStaff, type StaffSession } from '../../cli/staff/session';
import { CHEAP_KDF } from '../fixtures/kdf';

const ROOT = process.cwd();
const TSX_CLI = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const SERVER_ENTRY = join(ROOT, 'server', 'server.ts');
const CLI_ENTRY = join(ROOT, 'cli', 'index.ts');

/** Low difficulty keeps solving instant; verification cost does not depend on it. */
export const PROCESS_TEST_ENV: Record<string, string> = {
  SEALDESK_POW_DIFFICULTY: '4',
  // Bursts file many tickets per requester; the per-requester rate limit still applies.
  SEALDESK_MAX_OPEN_TICKETS: '1000',
};

/** The parent's environment without any SEALDESK_* setting, so a child sees only what we pass. */
function childEnv(dataDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SEALDESK_')));
  return { ...clean, SEALDESK_DATA_DIR: dataDir, ...extra };
}

/** Keeps the last few KB of a stream for error messages without holding a whole log in memory. */
function tail(limit = 8192) {
  let text = '';
  return {
    push: (chunk: Buffer) => {
      text = (text + chunk.toString('utf8')).slice(-limit);
    },
    get text() {
      return text;
    },
  };
}

// ---------------------------------------------------------------- server child

export interface ServerChild {
  url: string;
  pid: number;
  /** Resolves with the exit code or the signal once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (default SIGTERM) to this PID and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The end of stdout+stderr, for failure messages (never contains request bodies). */
  output(): string;
}

const running = new Set<ChildProcess>();

/** `node tsx server/server.ts` on `dataDir`, PORT=0; resolves with the URL it logged. */
export interface StartServerOptions {
  /** Soft and hard descriptor limit of the server process (`ulimit -n`), for exhaustion tests. */
  fileLimit?: number;
}

export async function startServer(dataDir: string, env: Record<string, string> = {}, timeoutMs = 90_000, options: StartServerOptions = {}): Promise<ServerChild> {
  const [command, args] =
    options.fileLimit === undefined
      ? [process.execPath, [TSX_CLI, SERVER_ENTRY]]
      : // exec keeps the PID (and the process group) the server's own.
        ['bash', ['-c', `ulimit -n ${Math.floor(options.fileLimit)} && exec "$0" "$@"`, process.execPath, TSX_CLI, SERVER_ENTRY]];
  const child = spawn(command, args, {
    env: childEnv(dataDir, { PORT: '0', HOST: '127.0.0.1', SEALDESK_LOG_LEVEL: 'info', ...PROCESS_TEST_ENV, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: tsx's cli runs the server in a child process, and a SIGKILL (which
    // tsx cannot relay) must reach that child too. See killGroup.
    detached: true,
  });
  running.add(child);
  const out = tail();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  child.stderr.on('data', out.push);
  const url = await new Promise<string>((resolve, reject) => {
    let pending = '';
    let listening = false;
    const timer = setTimeout(() => reject(new Error(`server did not start within ${timeoutMs} ms:\n${out.text}`)), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      out.push(chunk);
      if (listening) return;
      // Fastify's own startup line (one per address; HOST is a single address).
      pending = (pending + chunk.toString('utf8')).slice(-4096);
      const m = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(pending);
      if (m) {
        listening = true;
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (!listening) reject(new Error(`server exited (${code ?? signal}) before listening:\n${out.text}`));
    });
  });
  const pid = child.pid!;
  return {
    url,
    pid,
    exited,
    kill: async (signal = 'SIGTERM') => {
      if (signal === 'SIGKILL') {
        await killGroup(pid);
      } else if (child.exitCode === null && child.signalCode === null) {
        // tsx relays SIGTERM/SIGINT to the server; sending it to the group would deliver it twice.
        process.kill(pid, signal);
      }
      return exited;
    },
    output: () => out.text,
  };
}

/**
 * SIGKILL to the process group led by `pid` (the tsx wrapper and the server it runs), then waits
 * until no process of the group is left, so a restart never overlaps the killed server.
 */
async function killGroup(pid: number, timeoutMs = 10_000): Promise<void> {
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (alive()) process.kill(-pid, 'SIGKILL');
  const deadline = Date.now() + timeoutMs;
  while (alive()) {
    if (Date.now() > deadline) throw new Error(`process group ${pid} still alive after SIGKILL`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** For afterAll: SIGKILLs every server process group this module started that is still alive. */
export async function killAllServers(): Promise<void> {
  await Promise.all([...running].map((child) => killGroup(child.pid!)));
}

// ---------------------------------------------------------------- CLI child

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node tsx cli/index.ts ...args` on `dataDir`; resolves when it exits. */
export function runCliProcess(dataDir: string, args: string[], env: Record<string, string> = {}, timeoutMs = 90_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX_CLI, CLI_ENTRY, ...args], {
      env: childEnv(dataDir, { SEALDESK_LOG_LEVEL: 'warn', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      process.kill(child.pid!, 'SIGKILL');
      reject(new Error(`cli ${args[0]} timed out:\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface AdminCredentials {
  username: string;
  password: string;
  fingerprint: string;
}

/** The headless first-admin setup (`cli setup`) on a data dir with no server running. */
export async function setupDeskProcess(dataDir: string): Promise<AdminCredentials> {
  const password = 'reliability admin password';
  const run = await runCliProcess(dataDir, ['setup', '--username', 'admin'], { SEALDESK_ADMIN_PASSWORD: password });
  const fingerprint = /Desk fingerprint: (\S+)/.exec(run.stdout)?.[1];
  if (run.code !== 0 || !fingerprint) throw new Error(`cli setup failed (${run.code}):\n${run.stderr}`);
  return { username: 'admin', password, fingerprint };
}

// ---------------------------------------------------------------- protocol client over HTTP

export interface HttpResult {
  status: number;
  body: any;
}

export async function http(base: string, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, token?: string): Promise<HttpResult> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Like a real client, waits and retries when the server sheds load (503 overloaded) — the machine
 * running the tests may be saturated; what these tests check is what happens to acknowledged writes. */
async function ok(base: string, method: 'GET' | 'POST', path: string, body?: unknown, token?: string): Promise<any> {
  let res = await http(base, method, path, body, token);
  for (let attempt = 1; res.status === 503 && attempt <= 10; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    res = await http(base, method, path, body, token);
  }
  if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The staff member's view through the real login (Argon2, key blob, verified log, grants). */
export async function loginStaffHttp(base: string, admin: AdminCredentials): Promise<StaffSession> {
  return loginStaff(httpDesk(base), admin.username, admin.password, admin.fingerprint);
}

/** What a requester's client knows about the desk: its id and the current team key, from the verified log. */
export interface DeskView {
  deskId: string;
  team: { version: number; publicKey: p.TeamPublicKey };
}

export async function deskView(base: string, fingerprint: string): Promise<DeskView> {
  await p.ready();
  const { entries } = await ok(base, 'GET', '/api/keylog');
  const log = p.verifyKeyLog(entries, { pinnedFingerprint: fingerprint });
  if (!log.currentTeamKey) throw new Error('the desk has no team key');
  return { deskId: log.deskId, team: { version: log.currentTeamKey.version, publicKey: p.asTeamPublicKey(log.currentTeamKey.boxPk) } };
}

export interface HttpRequester {
  requesterId: string;
  keys: p.IdentityKeys;
  token: string;
}

async function solvedPow(base: string, purpose: 'register' | 'ticket') {
  const { challenge } = await ok(base, 'POST', '/api/pow', { purpose });
  return { challenge: challenge as string, nonce: await p.solvePow(challenge) };
}

/** Passphrase → keys (cheap KDF) → PoW → registration → signed sign-in. */
export async function registerRequesterHttp(base: string, desk: DeskView): Promise<HttpRequester> {
  const keys = p.deriveRequesterKeys(p.generatePassphrase(), desk.deskId, CHEAP_KDF);
  const signPk = p.toB64(keys.sign.publicKey);
  const { requesterId } = await ok(base, 'POST', '/api/requesters', { boxPk: p.toB64(keys.box.publicKey), signPk, pow: await solvedPow(base, 'register') });
  const { challenge } = await ok(base, 'POST', '/api/requesters/challenge', { signPk });
  const { token } = await ok(base, 'POST', '/api/requesters/session', { signPk, challenge, sig: p.signRequesterChallenge(challenge, keys.sign.secretKey) });
  return { requesterId, keys, token };
}

export interface PreparedTicket {
  ticketId: string;
  payload: p.FirstMessagePayload;
  body: unknown;
}

/** A ready POST /api/tickets body (PoW solved, K sealed to the team and the requester). */
export async function prepareTicket(base: string, desk: DeskView, requester: HttpRequester, payload: p.FirstMessagePayload): Promise<PreparedTicket> {
  const created = p.createTicket({ payload, requesterSignSk: requester.keys.sign.secretKey, requesterBoxPk: requester.keys.box.publicKey, team: desk.team });
  const body = { ...p.ticketSubmission(created), pow: await solvedPow(base, 'ticket') };
  return { ticketId: created.ticketId, payload, body };
}

/** Posts a prepared ticket; the status, or 0 when the connection failed (server gone). */
export async function postTicket(base: string, requester: HttpRequester, ticket: PreparedTicket): Promise<number> {
  try {
    const res = await fetch(new URL('/api/tickets', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${requester.token}` },
      body: JSON.stringify(ticket.body),
    });
    // The status line is the acknowledgement; the body may be cut by a kill and does not matter.
    void res.body?.cancel().catch(() => {});
    return res.status;
  } catch {
    return 0;
  }
}

/**
 * Reads each ticket as staff (GET /api/staff/tickets/:id), opens its team wrap with the team key
 * from the staff member's grant and checks the first message's signature and plaintext.
 * Returns one line per ticket that is missing, unreadable or different; [] when all are intact.
 */
export async function ticketProblems(base: string, session: StaffSession, expected: ReadonlyMap<string, p.FirstMessagePayload>): Promise<string[]> {
  const problems: string[] = [];
  const ids = [...expected.keys()];
  const check = async (ticketId: string) => {
    const res = await http(base, 'GET', `/api/staff/tickets/${ticketId}`, undefined, session.token);
    if (res.status !== 200) return void problems.push(`${ticketId}: HTTP ${res.status}`);
    const t = res.body as { teamWrap: { teamKeyVersion: number; sealed: string }; firstMessage: { messageId: string; envelope: unknown }; requesterSignPk: string };
    const team = session.vault.teamKeys.get(t.teamWrap.teamKeyVersion);
    if (!team) return void problems.push(`${ticketId}: no grant for team key v${t.teamWrap.teamKeyVersion}`);
    try {
      const key = p.openTeamWrap(t.teamWrap, team, 'ticket');
      const payload = p.openMessage({
        kind: 'message',
        ticketId,
        messageId: t.firstMessage.messageId,
        key,
        envelope: t.firstMessage.envelope,
        authorSignPk: p.asSignPublicKey(t.requesterSignPk),
      });
      if (!isDeepStrictEqual(payload, expected.get(ticketId))) problems.push(`${ticketId}: plaintext differs`);
    } catch (err) {
      problems.push(`${ticketId}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  // A few at a time: the queue route allows 600 reads a minute per staff session.
  for (let i = 0; i < ids.length; i += 8) await Promise.all(ids.slice(i, i + 8).map(check));
  return problems;
}

// ---------------------------------------------------------------- the database file

export interface DatabaseReport {
  integrity: string;
  tickets: number;
  /** Tickets without exactly one first message and two wraps: a torn write. */
  incomplete: number;
  foreignKeyViolations: number;
}

/** A read-only look at the desk's database (a server may be running on it). */
export function inspectDatabase(file: string): DatabaseReport {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      integrity,
      tickets: count('select count(*) as n from tickets'),
      incomplete: count(
        `select count(*) as n from tickets t
          where (select count(*) from messages m where m.ticket_id = t.id and m.seq = 1) <> 1
             or (select count(*) from wraps w where w.ticket_id = t.id and w.key_kind = 'ticket') <> 2`,
      ),
      foreignKeyViolations: (db.pragma('foreign_key_check') as unknown[]).length,
    };
  } finally {
    db.close();
  }
}

export const deskDatabase = (dataDir: string) => dbFilePath(dataDir);
