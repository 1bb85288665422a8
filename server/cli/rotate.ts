// `rotate` (SPEC §7): the admin's client side of a team key rotation. Every step is one the
// server can check or count, and every step can be repeated, so `rotate --resume` picks up
// after a crash at any point: the server reports which wraps still lack the new version.
//   1. generate team key v+1, append `team-key` (signed), 2. grant it to every admitted member,
//   3. loop: fetch pending wraps, open with the old key, seal to v+1, post (≤ 500 per batch),
//   4. when none remain, append `team-key-retire` for every older version (the server then
//      deletes their grants and wraps).
import * as p from '../../protocol/index';
import { appendSigned, CliError, expectOk, loginStaff, openTransport, parseArgs, readPassword, type DeskTransport, type StaffSession } from './staff-session';

export const REWRAP_BATCH = 500;
const MAX_GRANTS_PER_CALL = 500;

interface PendingWrap {
  ticketId: string;
  keyKind: 'ticket' | 'note';
  teamKeyVersion: number;
  sealed: string;
}
interface RotationStatus {
  currentVersion: number | null;
  pending: { tickets: number; notes: number };
  batch: PendingWrap[];
  nextCursor: string | null;
  staffWithoutGrant: { staffId: string; username: string; boxPk: string }[];
}

export interface RotateOptions {
  /** Continue an interrupted rotation instead of starting a new one. */
  resume?: boolean;
  batchSize?: number;
  /** Stop after this many rewrap batches (spread the work over several runs); resume later. */
  maxBatches?: number;
  onProgress?: (line: string) => void;
}

export interface RotateResult {
  version: number;
  rewrapped: number;
  /** Wraps that could not be opened with any key this admin holds (rotation cannot finish). */
  unopenable: number;
  retired: number[];
  complete: boolean;
}

const status = (desk: DeskTransport, admin: StaffSession, limit: number, cursor?: string | null): Promise<RotationStatus> =>
  expectOk(desk, 'GET', `/api/admin/rotation?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, undefined, admin.token);

function olderUnretired(log: p.KeyLogState, current: number): number[] {
  return log.teamKeys.filter((k) => !k.retired && k.version < current).map((k) => k.version);
}

/** Appends `team-key` v+1 and returns the new pair; the admin session learns the new key at once. */
async function startNewVersion(desk: DeskTransport, admin: StaffSession): Promise<{ version: number; pair: p.TeamKeyPair }> {
  const version = p.nextTeamKeyVersion(admin.log);
  const pair = p.generateTeamKey();
  await appendSigned(desk, admin, 'team-key', { version, boxPk: p.toB64(pair.publicKey) });
  admin.teamKeys.set(version, pair);
  return { version, pair };
}

/**
 * Grants `version` to every member the server reports without one.
 * SECURITY: the box key comes from the verified key log, never from the server's list; a member
 * the log does not list as active (removed, or re-enrolled without a new staff-add) gets nothing.
 */
async function grantMissing(desk: DeskTransport, admin: StaffSession, version: number, pair: p.TeamKeyPair): Promise<number> {
  const { staffWithoutGrant } = await status(desk, admin, 1);
  const grants = staffWithoutGrant.flatMap((s) => {
    const rec = admin.log.staff.get(s.staffId);
    if (!rec || !rec.active || rec.boxPk !== s.boxPk) return [];
    return [{ staffId: s.staffId, teamKeyVersion: version, sealed: p.sealGrant(pair.secretKey, p.asBoxPublicKey(rec.boxPk)) }];
  });
  // Our own grant first: if we crash later, a resume can still open the new key.
  grants.sort((a, b) => (a.staffId === admin.staffId ? -1 : b.staffId === admin.staffId ? 1 : 0));
  for (let i = 0; i < grants.length; i += MAX_GRANTS_PER_CALL) {
    await expectOk(desk, 'POST', '/api/admin/grants', { grants: grants.slice(i, i + MAX_GRANTS_PER_CALL) }, admin.token);
  }
  return grants.length;
}

export async function rotateTeamKey(desk: DeskTransport, admin: StaffSession, opts: RotateOptions = {}): Promise<RotateResult> {
  const say = opts.onProgress ?? (() => {});
  const batchSize = Math.min(opts.batchSize ?? REWRAP_BATCH, REWRAP_BATCH);
  const current = admin.log.currentTeamKey;
  if (!current) throw new CliError('the key log has no team key yet (run setup first)');
  const first = await status(desk, admin, 1);
  const inProgress = olderUnretired(admin.log, current.version).length > 0 || first.pending.tickets + first.pending.notes > 0;

  let version: number;
  let pair: p.TeamKeyPair;
  if (!opts.resume) {
    if (inProgress) throw new CliError(`a rotation to v${current.version} is still in progress; run rotate --resume`);
    ({ version, pair } = await startNewVersion(desk, admin));
    say(`appended team-key v${version}`);
  } else {
    if (!inProgress) throw new CliError('no rotation in progress; nothing to resume');
    const held = admin.teamKeys.get(current.version);
    if (held) {
      ({ version, pair } = { version: current.version, pair: held });
      say(`resuming rotation to v${version}`);
    } else {
      // Crashed between appending team-key and uploading our own grant: that secret is gone.
      // A fresh version supersedes it; every older one retires at the end.
      ({ version, pair } = await startNewVersion(desk, admin));
      say(`v${current.version} was never granted to you; appended team-key v${version} instead`);
    }
  }
  const granted = await grantMissing(desk, admin, version, pair);
  say(`granted v${version} to ${granted} member(s)`);

  const target: p.TeamPublicKeyVersion = { version, publicKey: pair.publicKey };
  let rewrapped = 0;
  let unopenable = 0;
  let batches = 0;
  // One pass in wraps order. Rewrapped rows drop out of the pending set, so the cursor only has
  // to step over the rows we could not open.
  let cursor: string | null = null;
  for (;;) {
    if (opts.maxBatches !== undefined && batches >= opts.maxBatches) {
      say(`stopped after ${batches} batch(es); run rotate --resume to continue`);
      return { version, rewrapped, unopenable, retired: [], complete: false };
    }
    const page: RotationStatus = await status(desk, admin, batchSize, cursor);
    if (page.batch.length === 0) break;
    const wraps: (PendingWrap & { sealed: string })[] = [];
    for (const w of page.batch) {
      const old = admin.teamKeys.get(w.teamKeyVersion);
      try {
        if (!old) throw new CliError('no grant');
        wraps.push({ ticketId: w.ticketId, keyKind: w.keyKind, ...p.rewrapForRotation({ teamKeyVersion: w.teamKeyVersion, sealed: w.sealed }, old, target) });
      } catch {
        unopenable++;
      }
    }
    if (wraps.length > 0) await expectOk(desk, 'POST', '/api/admin/rewrap', { wraps }, admin.token);
    rewrapped += wraps.length;
    batches++;
    say(`rewrapped ${rewrapped} key(s); ${page.pending.tickets + page.pending.notes - wraps.length} left`);
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  const after = await status(desk, admin, 1);
  const left = after.pending.tickets + after.pending.notes;
  if (left > 0) {
    say(`${left} wrap(s) could not be re-sealed (no usable older key); older versions stay live`);
    return { version, rewrapped, unopenable, retired: [], complete: false };
  }
  const retired: number[] = [];
  for (const old of olderUnretired(admin.log, version)) {
    await appendSigned(desk, admin, 'team-key-retire', { version: old });
    admin.teamKeys.delete(old);
    retired.push(old);
    say(`retired v${old}`);
  }
  return { version, rewrapped, unopenable, retired, complete: true };
}

/** `rotate [--resume] [--as ADMIN] [--batch N] [--max-batches N]` */
export async function rotateCommand(args: string[]): Promise<number> {
  const resume = args.includes('--resume');
  const { flags, positional } = parseArgs(args.filter((a) => a !== '--resume'));
  if (positional.length > 0) throw new CliError('usage: rotate [--resume] [--as ADMIN] [--batch N] [--max-batches N]');
  const positive = (name: string): number | undefined => {
    if (flags[name] === undefined) return undefined;
    const n = Number(flags[name]);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`--${name} must be a positive integer`);
    return n;
  };
  const adminName = flags.as ?? 'admin';
  const password = await readPassword('SEALDESK_ADMIN_PASSWORD', `Password for ${adminName}: `);
  const desk = await openTransport();
  try {
    const admin = await loginStaff(desk, adminName, password, process.env.SEALDESK_FINGERPRINT);
    if (admin.role !== 'admin') throw new CliError(`${adminName} is not an admin`);
    const result = await rotateTeamKey(desk, admin, {
      resume,
      batchSize: positive('batch'),
      maxBatches: positive('max-batches'),
      onProgress: (line) => process.stderr.write(`${line}\n`),
    });
    await expectOk(desk, 'POST', '/api/staff/logout', {}, admin.token);
    process.stdout.write(
      result.complete
        ? `rotation to team key v${result.version} complete: ${result.rewrapped} key(s) re-wrapped, retired ${result.retired.map((v) => `v${v}`).join(', ') || 'nothing'}\n`
        : `rotation to team key v${result.version} not finished (${result.rewrapped} re-wrapped, ${result.unopenable} unopenable); run rotate --resume\n`,
    );
    return result.complete ? 0 : 3;
  } finally {
    await desk.close();
  }
}
