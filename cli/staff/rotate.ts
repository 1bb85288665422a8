// `rotate [--resume] [--as ADMIN] [--batch N] [--max-batches N]` (SPEC §7): drives the core's
// rotation steps over HTTP. Every step is one the server can check or count, and every step can be
// repeated, so `rotate --resume` picks up after a crash at any point: the server reports which
// wraps still lack the new version.
import * as core from '../../client-core';
import type { RotationStatus } from '../../contract';
import { expectOk } from './api';
import { CliError, parseFlags, type CommandIo } from './io';
import { appendEntry, connect, DESK_OPTIONS, logout, type StaffSession } from './session';

const USAGE = 'rotate [--resume] [--as ADMIN] [--batch N] [--max-batches N] [--server URL] [--fingerprint FP]';
export const REWRAP_BATCH = 500;
const MAX_GRANTS_PER_CALL = 500;

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

const status = (admin: StaffSession, limit: number, cursor?: string | null): Promise<RotationStatus> =>
  expectOk(admin.desk, 'GET', `/api/admin/rotation?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, undefined, admin.token);

async function startNewVersion(admin: StaffSession): Promise<number> {
  const { version, entry } = core.prepareNewTeamKey(admin.vault);
  await appendEntry(admin, entry);
  return version;
}

export async function rotateTeamKey(admin: StaffSession, opts: RotateOptions = {}): Promise<RotateResult> {
  const say = opts.onProgress ?? (() => {});
  const batchSize = Math.min(opts.batchSize ?? REWRAP_BATCH, REWRAP_BATCH);
  const current = admin.vault.keyLog?.currentTeamKey;
  if (!current) throw new CliError('the key log has no team key yet (run setup first)');
  const first = await status(admin, 1);
  const inProgress = core.versionsToRetire(admin.vault).length > 0 || first.pending.tickets + first.pending.notes > 0;

  let version: number;
  if (!opts.resume) {
    if (inProgress) throw new CliError(`a rotation to v${current.version} is still in progress; run rotate --resume`);
    version = await startNewVersion(admin);
    say(`appended team-key v${version}`);
  } else {
    if (!inProgress) throw new CliError('no rotation in progress; nothing to resume');
    if (core.holdsTeamKey(admin.vault, current.version)) {
      version = current.version;
      say(`resuming rotation to v${version}`);
    } else {
      // Crashed between appending team-key and uploading our own grant: that secret is gone.
      // A fresh version supersedes it; every older one retires at the end.
      version = await startNewVersion(admin);
      say(`v${current.version} was never granted to you; appended team-key v${version} instead`);
    }
  }
  const grants = core.grantsForMembersWithout(admin.vault, version, (await status(admin, 1)).staffWithoutGrant);
  for (let i = 0; i < grants.length; i += MAX_GRANTS_PER_CALL) {
    await expectOk(admin.desk, 'POST', '/api/admin/grants', { grants: grants.slice(i, i + MAX_GRANTS_PER_CALL) }, admin.token);
  }
  say(`granted v${version} to ${grants.length} member(s)`);

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
    const page: RotationStatus = await status(admin, batchSize, cursor);
    if (page.batch.length === 0) break;
    const moved = core.rewrapBatch(admin.vault, page.batch, version);
    if (moved.wraps.length > 0) await expectOk(admin.desk, 'POST', '/api/admin/rewrap', { wraps: moved.wraps }, admin.token);
    rewrapped += moved.wraps.length;
    unopenable += moved.unopenable;
    batches++;
    say(`rewrapped ${rewrapped} key(s); ${page.pending.tickets + page.pending.notes - moved.wraps.length} left`);
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  const after = await status(admin, 1);
  const left = after.pending.tickets + after.pending.notes;
  if (left > 0) {
    say(`${left} wrap(s) could not be re-sealed (no usable older key); older versions stay live`);
    return { version, rewrapped, unopenable, retired: [], complete: false };
  }
  const retired: number[] = [];
  for (const old of core.versionsToRetire(admin.vault)) {
    await appendEntry(admin, core.signNextEntry(admin.vault, 'team-key-retire', { version: old }));
    retired.push(old);
    say(`retired v${old}`);
  }
  return { version, rewrapped, unopenable, retired, complete: true };
}

export async function rotateCommand(args: string[], io: CommandIo): Promise<number> {
  const options = { ...DESK_OPTIONS, resume: { type: 'boolean' }, as: { type: 'string' }, batch: { type: 'string' }, 'max-batches': { type: 'string' } } as const;
  const { values, positionals } = parseFlags(args, options, USAGE);
  if (positionals.length > 0) throw new CliError(`usage: ${USAGE}`);
  const positive = (name: 'batch' | 'max-batches'): number | undefined => {
    if (values[name] === undefined) return undefined;
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`--${name} must be a positive integer`);
    return n;
  };
  const batchSize = positive('batch');
  const maxBatches = positive('max-batches');
  const adminName = values.as ?? 'admin';
  const admin = await connect(io, values, adminName, 'SEALDESK_ADMIN_PASSWORD');
  if (admin.role !== 'admin') throw new CliError(`${adminName} is not an admin`);
  const result = await rotateTeamKey(admin, { resume: values.resume, batchSize, maxBatches, onProgress: (line) => io.stderr.write(`${line}\n`) });
  await logout(admin);
  io.stdout.write(
    result.complete
      ? `rotation to team key v${result.version} complete: ${result.rewrapped} key(s) re-wrapped, retired ${result.retired.map((v) => `v${v}`).join(', ') || 'nothing'}\n`
      : `rotation to team key v${result.version} not finished (${result.rewrapped} re-wrapped, ${result.unopenable} unopenable); run rotate --resume\n`,
  );
  return result.complete ? 0 : 3;
}
