// Staff CLI client: talks to the desk the way the browser does (the server never sees a
// password or a private key) and re-verifies the key log itself. Reused by setup, invite,
// admit and any later staff command (rotation).
import { Writable } from 'node:stream';
import * as p from '../../protocol/index';
import { buildApp } from '../app';
import { loadConfig } from '../config';

export interface DeskResponse {
  status: number;
  body: any;
}
/** One HTTP call to the desk: in-process (inject) or over the network (fetch). */
export interface DeskTransport {
  call(method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, token?: string): Promise<DeskResponse>;
  /** The in-process app, when there is one (setup mints its token through it). */
  app?: Awaited<ReturnType<typeof buildApp>>;
  close(): Promise<void>;
}

export class CliError extends Error {}

/**
 * SEALDESK_URL set: a running server over HTTP(S). Otherwise the app is built in-process on
 * SEALDESK_DATA_DIR, so the commands work on a fresh clone with no server running; SQLite's
 * locking and the key-log head check keep a concurrently running server consistent.
 */
export async function openTransport(env: NodeJS.ProcessEnv = process.env): Promise<DeskTransport> {
  await p.ready();
  const base = env.SEALDESK_URL;
  if (base) {
    return {
      async call(method, url, body, token) {
        const res = await fetch(new URL(url, base), {
          method,
          headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await res.text();
        return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
      },
      close: async () => {},
    };
  }
  const config = loadConfig({ ...env, SEALDESK_LOG_LEVEL: env.SEALDESK_LOG_LEVEL ?? 'warn' });
  // Server log lines go to stderr so stdout carries only the command's own output.
  const logStream = new Writable({ write: (chunk, _enc, done) => { process.stderr.write(chunk); done(); } });
  const app = await buildApp(config, { logStream });
  await app.ready();
  return {
    app,
    async call(method, url, body, token) {
      const res = await app.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }), headers: token ? { authorization: `Bearer ${token}` } : {} });
      return { status: res.statusCode, body: res.body === '' ? undefined : res.json() };
    },
    close: () => app.close(),
  };
}

/** Throws CliError with the server's error message unless the status is 2xx. */
export async function expectOk(desk: DeskTransport, method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, token?: string): Promise<any> {
  const res = await desk.call(method, url, body, token);
  if (res.status < 200 || res.status >= 300) {
    const err = res.body?.error;
    throw new CliError(`${method} ${url} failed (${res.status}${err?.code ? ` ${err.code}` : ''}): ${err?.message ?? 'no details'}`);
  }
  return res.body;
}

export interface StaffSession {
  staffId: string;
  username: string;
  role: 'admin' | 'technician';
  token: string;
  keys: p.StaffKeys;
  /** Verified from genesis, against SEALDESK_FINGERPRINT when set. */
  log: p.KeyLogState;
  entries: p.KeyLogEntry[];
  /** Team key pairs by version, each checked against the public key the log publishes. */
  teamKeys: Map<number, p.TeamKeyPair>;
}

/** GET /api/keylog and verify it; with a pinned fingerprint, refuse any other desk. */
export async function fetchVerifiedKeyLog(desk: DeskTransport, pinnedFingerprint?: string) {
  const { entries } = (await expectOk(desk, 'GET', '/api/keylog')) as { entries: p.KeyLogEntry[] };
  const log = p.verifyKeyLog(entries, pinnedFingerprint ? { pinnedFingerprint } : {});
  return { entries, log };
}

/** prelogin → deriveStaffSecrets → login → me → open key blob → verify log → open grants. */
export async function loginStaff(desk: DeskTransport, username: string, password: string, pinnedFingerprint?: string): Promise<StaffSession> {
  const pre = await expectOk(desk, 'POST', '/api/staff/prelogin', { username });
  const { kek, authSecret } = p.deriveStaffSecrets(password, pre.salt, { opslimit: pre.opslimit, memlimit: pre.memlimit });
  const res = await desk.call('POST', '/api/staff/login', { username, authSecret: p.toB64(authSecret) });
  if (res.status === 401) throw new CliError('wrong username or password');
  if (res.status !== 200) throw new CliError(`login failed (${res.status}): ${res.body?.error?.message ?? 'no details'}`);
  const token: string = res.body.token;
  const me = await expectOk(desk, 'GET', '/api/staff/me', undefined, token);
  const keys = p.openStaffKeyBlob(me.keyBlob, kek, me.staffId);
  const { entries, log } = await fetchVerifiedKeyLog(desk, pinnedFingerprint);
  // SECURITY: the blob must hold the keys the log lists for us; otherwise the server chose them.
  const rec = log.staff.get(me.staffId);
  if (!rec || !rec.active || rec.boxPk !== p.toB64(keys.box.publicKey) || rec.signPk !== p.toB64(keys.sign.publicKey)) {
    throw new CliError('your keys are not the ones the key log lists for this account (not admitted yet?)');
  }
  const teamKeys = new Map<number, p.TeamKeyPair>();
  for (const g of me.grants as { teamKeyVersion: number; sealed: string }[]) {
    const published = log.teamKeys.find((k) => k.version === g.teamKeyVersion && !k.retired);
    if (published) teamKeys.set(g.teamKeyVersion, p.openGrant(g.sealed, keys.box, p.asTeamPublicKey(published.boxPk)));
  }
  return { staffId: me.staffId, username: me.username, role: me.role, token, keys, log, entries, teamKeys };
}

/** Signs the next entry as `session` and appends it; returns the new verified state. */
export async function appendSigned<T extends Exclude<p.KeyLogType, 'genesis'>>(
  desk: DeskTransport,
  session: StaffSession,
  type: T,
  body: p.KeyLogBodies[T],
): Promise<p.KeyLogState> {
  const unsigned = p.buildKeyLogEntry(session.log, { type, body, signer: session.staffId, at: Math.floor(Date.now() / 1000) });
  const entry = p.signKeyLogEntry(unsigned, session.keys.sign.secretKey);
  const next = p.applyKeyLogEntry(session.log, entry);
  await expectOk(desk, 'POST', '/api/keylog', { entry }, session.token);
  session.log = next;
  session.entries.push(entry);
  return next;
}

/** The password from `envName`, or a prompt on a TTY with echo off; never from argv. */
export async function readPassword(envName: string, prompt: string): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) throw new CliError(`set ${envName} or run in a terminal to be prompted`);
  return promptHidden(prompt);
}

function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    // SECURITY: raw mode without echo; the password never appears on screen or in scrollback.
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CliError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** `--name value` flags; anything else is positional. */
export function parseArgs(args: string[]): { flags: Record<string, string>; positional: string[] } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a.startsWith('--')) {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('--')) throw new CliError(`${a} needs a value`);
      flags[a.slice(2)] = value;
      i++;
    } else positional.push(a);
  }
  return { flags, positional };
}
