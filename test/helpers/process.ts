// The real server as a child process, the CLI as a child process, and a protocol-module client
// that talks to them over real HTTP (fetch): what reliability tests need to kill, restart, back
// up and restore a desk the way an operator would. In-process suites use app.ts/requester.ts.
//   const admin = await setupDeskProcess(dataDir);            // headless `cli setup`
//   const server = await startServer(dataDir);                 // waits for "Server listening at"
//   const staff = await loginStaffHttp(server.url, admin);     // Argon2 → grants → team key
//   const r = await registerRequesterHttp(server.url);         // PoW, registration, sign-in
//   await server.kill('SIGKILL');                              // resolves once it has exited
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as p from '../../protocol/index';
import { dbFilePath } from '../../server/app';
import { httpDesk } from '../../cli/staff/api';
import { loginStaff, type StaffSession } from '../../cli/staff/session';
import { CHEAP_KDF } from '../fixtures/kdf';
import { TEST_POW_DIFFICULTY } from '../fixtures/pow';

const ROOT = process.cwd();
const TSX_CLI = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
export const SERVER_ENTRY = join(ROOT, 'server', 'server.ts');
export const CLI_ENTRY = join(ROOT, 'cli', 'index.ts');

export const PROCESS_TEST_ENV: Record<string, string> = {
  SEALDESK_POW_DIFFICULTY: TEST_POW_DIFFICULTY,
  // Bursts file many tickets per requester; the per-requester rate limit still applies.
  SEALDESK_MAX_OPEN_TICKETS: '1000',
};

// ---------------------------------------------------------------- the one way to spawn

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnTsxOptions {
  /** The child's SEALDESK_DATA_DIR (omitted: none). */
  dataDir?: string;
  /** The child's SEALDESK_DATABASE_URL: PostgreSQL instead of the data dir's SQLite file (omitted: SQLite). */
  databaseUrl?: string;
  /** Added to the parent's environment stripped of every SEALDESK_* setting. */
  env?: Record<string, string>;
  /** Soft and hard descriptor limit of the child (`ulimit -n`), for exhaustion tests. */
  fileLimit?: number;
  /** Keep only the last `outputLimit` characters of each stream (long-running servers). */
  outputLimit?: number;
  /** Also append everything the child writes, whole, to this file (a failure report to keep). */
  logFile?: string;
}

export interface Spawned {
  pid: number;
  /** Resolves with the exit code or the signal once the process is gone. */
  exited: Promise<Exit>;
  /** What the child wrote so far (the tail, with `outputLimit`). */
  stdout(): string;
  stderr(): string;
  /** stdout then stderr, for failure messages. */
  output(): string;
  /** Resolves with the first match of `pattern` in `stream`; rejects on timeout or exit. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpExecArray>;
  /**
   * Sends `signal` (default SIGTERM) and waits for the exit. SIGKILL goes to the whole process
   * group (tsx's cli runs the script in a child, and cannot relay a SIGKILL); other signals go to
   * the PID, which tsx relays (sending them to the group would deliver them twice).
   */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
  /** SIGTERM (a graceful shutdown), then SIGKILL to the group if it is still running after `graceMs`. */
  stop(graceMs?: number): Promise<Exit>;
}

const running = new Set<Spawned>();

// If the test process exits without its afterAll (a crash, a timeout), no child outlives it: each
// runs in its own process group, which a synchronous SIGKILL by that group's id ends.
process.once('exit', () => {
  for (const child of running) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/** The parent's environment without any SEALDESK_* setting, so a child sees only what we pass. */
function childEnv(options: SpawnTsxOptions): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SEALDESK_')));
  return {
    ...clean,
    ...(options.dataDir === undefined ? {} : { SEALDESK_DATA_DIR: options.dataDir }),
    ...(options.databaseUrl === undefined ? {} : { SEALDESK_DATABASE_URL: options.databaseUrl }),
    ...options.env,
  };
}

/**
 * `node tsx <entry> ...args` as its own process group, stdout and stderr captured. Every test
 * that starts a process starts it here (server, CLI, or a fixture script).
 */
export function spawnTsx(entry: string, args: string[] = [], options: SpawnTsxOptions = {}): Spawned {
  const [command, argv] =
    options.fileLimit === undefined
      ? [process.execPath, [TSX_CLI, entry, ...args]]
      : // exec keeps the PID (and the process group) the script's own.
        ['bash', ['-c', `ulimit -n ${Math.floor(options.fileLimit)} && exec "$0" "$@"`, process.execPath, TSX_CLI, entry, ...args]];
  const child = spawn(command, argv, { env: childEnv(options), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const limit = options.outputLimit ?? Infinity;
  const text = { stdout: '', stderr: '' };
  const listeners = new Set<() => void>();
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].on('data', (chunk: Buffer) => {
      if (options.logFile !== undefined) appendFileSync(options.logFile, chunk);
      text[stream] += chunk.toString('utf8');
      if (text[stream].length > limit) text[stream] = text[stream].slice(-limit);
      for (const listener of listeners) listener();
    });
  }
  let exit: Exit | null = null;
  const exited = new Promise<Exit>((resolve) =>
    // 'close' rather than 'exit': the streams are drained, so output() is complete.
    child.on('close', (code, signal) => {
      exit = { code, signal };
      running.delete(spawned);
      for (const listener of listeners) listener();
      resolve(exit);
    }),
  );
  const pid = child.pid!;
  const spawned: Spawned = {
    pid,
    exited,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    output: () => text.stdout + text.stderr,
    waitFor: (pattern, stream = 'stdout', timeoutMs = 90_000) =>
      new Promise((resolve, reject) => {
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        const check = () => {
          const m = pattern.exec(text[stream]);
          if (m) done(() => resolve(m));
          else if (exit) done(() => reject(new Error(`${entry} exited (${exit!.code ?? exit!.signal}) before ${pattern}:\n${spawned.output()}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} from ${entry} within ${timeoutMs} ms:\n${spawned.output()}`))), timeoutMs);
        listeners.add(check);
        check();
      }),
    kill: async (signal = 'SIGTERM') => {
      if (signal === 'SIGKILL') await killGroup(pid);
      else if (!exit) process.kill(pid, signal);
      return exited;
    },
    stop: async (graceMs = 10_000) => {
      if (exit) return exit;
      const hard = setTimeout(() => void killGroup(pid).catch(() => {}), graceMs);
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Exited between the check and the signal; `exited` resolves.
      }
      const done = await exited;
      clearTimeout(hard);
      return done;
    },
  };
  running.add(spawned);
  return spawned;
}

export interface ProcessRun extends Exit {
  stdout: string;
  stderr: string;
}

/** spawnTsx, then the whole output once it exits; SIGKILLed (and rejected) after `timeoutMs`. */
export async function runTsx(entry: string, args: string[] = [], options: SpawnTsxOptions & { timeoutMs?: number } = {}): Promise<ProcessRun> {
  const child = spawnTsx(entry, args, options);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void child.kill('SIGKILL');
  }, options.timeoutMs ?? 90_000);
  const exit = await child.exited;
  clearTimeout(timer);
  if (timedOut) throw new Error(`${entry} ${args.join(' ')} timed out:\n${child.output()}`);
  return { ...exit, stdout: child.stdout(), stderr: child.stderr() };
}

/**
 * SIGKILL to the process group led by `pid`, then waits until no process of the group is left,
 * so a restart never overlaps the killed process.
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

/** For afterAll: SIGKILLs every process group this module started that is still alive. */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.kill('SIGKILL')));
}

// ---------------------------------------------------------------- server child

export interface ServerChild extends Spawned {
  url: string;
}

export interface StartServerOptions {
  /** Soft and hard descriptor limit of the server process (`ulimit -n`), for exhaustion tests. */
  fileLimit?: number;
  /** See SpawnTsxOptions.logFile (the server's whole output, beside the trimmed tail in memory). */
  logFile?: string;
  /** false: the server's own limits instead of PROCESS_TEST_ENV (the browser suite's desk). */
  testLimits?: boolean;
  /** See SpawnTsxOptions.databaseUrl: the node runs on this PostgreSQL database (several nodes may share it). */
  databaseUrl?: string;
}

/** `server/server.ts` on `dataDir`, PORT=0; resolves with the URL of Fastify's listening line. */
export async function startServer(dataDir: string, env: Record<string, string> = {}, timeoutMs = 90_000, options: StartServerOptions = {}): Promise<ServerChild> {
  const child = spawnTsx(SERVER_ENTRY, [], {
    dataDir,
    databaseUrl: options.databaseUrl,
    env: { PORT: '0', HOST: '127.0.0.1', SEALDESK_LOG_LEVEL: 'info', ...(options.testLimits === false ? {} : PROCESS_TEST_ENV), ...env },
    fileLimit: options.fileLimit,
    logFile: options.logFile,
    // A flood logs a line per request; failure messages need only the end.
    outputLimit: 8192,
  });
  try {
    // Fastify's own startup line (one per address; HOST is a single address).
    const [, url] = await child.waitFor(/"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/, 'stdout', timeoutMs);
    return { ...child, url: url! };
  } catch (err) {
    await child.kill('SIGKILL');
    throw err;
  }
}

// ---------------------------------------------------------------- CLI child

export type CliRun = ProcessRun;

/** `cli/index.ts ...args` on `dataDir` (and `databaseUrl`, if given) as a process; resolves when it exits. */
export function runCliProcess(dataDir: string, args: string[], env: Record<string, string> = {}, timeoutMs = 90_000, databaseUrl?: string): Promise<CliRun> {
  return runTsx(CLI_ENTRY, args, { dataDir, databaseUrl, env: { SEALDESK_LOG_LEVEL: 'warn', ...env }, timeoutMs });
}

export interface AdminCredentials {
  username: string;
  password: string;
  fingerprint: string;
}

/**
 * The headless first-admin setup (`cli setup`) on a data dir with no server running — or, with
 * `databaseUrl`, on that PostgreSQL database (the secrets are created in `dataDir`).
 */
export async function setupDeskProcess(dataDir: string, options: { databaseUrl?: string } = {}): Promise<AdminCredentials> {
  const password = 'reliability admin password';
  const run = await runCliProcess(dataDir, ['setup', '--username', 'admin'], { SEALDESK_ADMIN_PASSWORD: password }, 90_000, options.databaseUrl);
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
