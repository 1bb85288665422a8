// `rotate [--resume] [--as ADMIN] [--batch N] [--max-batches N]` (SPEC §7): drives the core's
// rotation steps over HTTP (core.nextRotationStep). Every step is one the server can check or
// count, and every step can be repeated, so re-running `rotate` picks up after a crash at any
// point: the server reports which wraps still lack the new version. `--resume` only continues
// (it never starts a new rotation).
import * as core from '../../client-core';
import type { LabelKeyStored, RotationStatus, Rewrapped, WrapsSkipped } from '../../contract';
import { expectOk } from './api';
import { CliError, parseFlags, type CommandIo } from './io';
import { appendEntry, connect, DESK_OPTIONS, logout, type StaffSession } from './session';

const USAGE = 'rotate [--resume] [--as ADMIN] [--batch N] [--max-batches N] [--server URL] [--fingerprint FP]';
export const REWRAP_BATCH = 500;
const MAX_GRANTS_PER_CALL = 500;

export interface RotateOptions {
  /** Only continue an interrupted rotation; never start a new one. */
  resume?: boolean;
  batchSize?: number;
  /** Stop after this many rewrap batches (spread the work over several runs); run again later. */
  maxBatches?: number;
  onProgress?: (line: string) => void;
}

export interface RotateResult {
  version: number;
  rewrapped: number;
  /** Wraps this run reported as impossible to re-wrap (they are listed in `skipped` with the reason). */
  unopenable: number;
  /** Everything reported in this rotation (by whichever admin) as it stood before the old versions retired. */
  skipped: RotationStatus['skipped'];
  retired: number[];
  complete: boolean;
}

const status = (admin: StaffSession, limit: number): Promise<RotationStatus> => expectOk(admin.desk, 'GET', `/api/admin/rotation?limit=${limit}`, undefined, admin.token);

/** "1 234 of 5 000 keys (tickets 1 000/4 000, notes 233/999, label 1/1)" */
export function progressLine(st: RotationStatus): string {
  const pr = core.rotationProgress(st);
  const k = pr.byKind;
  return `${pr.done} of ${pr.total} keys re-wrapped (tickets ${k.ticket.done}/${k.ticket.total}, notes ${k.note.done}/${k.note.total}, label ${k.label.done}/${k.label.total})`;
}

export async function rotateTeamKey(admin: StaffSession, opts: RotateOptions = {}): Promise<RotateResult> {
  const say = opts.onProgress ?? (() => {});
  const batchSize = Math.min(opts.batchSize ?? REWRAP_BATCH, REWRAP_BATCH);
  if (!admin.vault.keyLog?.currentTeamKey) throw new CliError('the key log has no team key yet (run setup first)');
  const inProgress = core.versionsToRetire(admin.vault).length > 0;
  if (opts.resume && !inProgress) throw new CliError('no rotation in progress; nothing to resume');
  if (inProgress) say(`continuing the unfinished rotation to v${admin.vault.keyLog.currentTeamKey.version}`);
  let start = !inProgress;
  let rewrapped = 0;
  let unopenable = 0;
  let batches = 0;
  const retired: number[] = [];
  let skipped: RotationStatus['skipped'] = [];
  for (;;) {
    const st = await status(admin, batchSize);
    const step = core.nextRotationStep(admin.vault, st, { start });
    // What was reported as impossible to re-wrap, as the server lists it until the old version retires.
    if (step.kind !== 'done') skipped = st.skipped;
    const version = admin.vault.keyLog?.currentTeamKey?.version ?? 0;
    switch (step.kind) {
      case 'label_key': {
        // A desk from before label keys: commit the key its labels use now, before it changes.
        const body = core.prepareLabelKey(admin.vault);
        if (!body) break;
        (await expectOk(admin.desk, 'POST', '/api/admin/label-key', body, admin.token)) as LabelKeyStored;
        core.recordKeyLogEntry(admin.vault, body.entry);
        core.adoptLabelKey(admin.vault, body);
        say('committed the desk label key (labels now survive rotation)');
        break;
      }
      case 'new_team_key': {
        const was = version;
        const { version: next, entry } = core.prepareNewTeamKey(admin.vault);
        await appendEntry(admin, entry);
        start = false;
        // Crashed between appending team-key and uploading our own grant: that secret is gone, and
        // a fresh version supersedes it; every older one retires at the end.
        say(inProgress && !core.holdsTeamKey(admin.vault, was) ? `v${was} was never granted to you; appended team-key v${next} instead` : `appended team-key v${next}`);
        break;
      }
      case 'grants': {
        const grants = core.grantsForMembersWithout(admin.vault, step.version, st.staffWithoutGrant);
        for (let i = 0; i < grants.length; i += MAX_GRANTS_PER_CALL) {
          await expectOk(admin.desk, 'POST', '/api/admin/grants', { grants: grants.slice(i, i + MAX_GRANTS_PER_CALL) }, admin.token);
        }
        say(`granted v${step.version} to ${grants.length} member(s)`);
        break;
      }
      case 'rewrap': {
        if (opts.maxBatches !== undefined && batches >= opts.maxBatches) {
          say(`stopped after ${batches} batch(es): ${progressLine(st)}; run rotate again to continue`);
          return { version, rewrapped, unopenable, skipped, retired, complete: false };
        }
        const moved = core.rewrapBatch(admin.vault, step.batch, step.version);
        if (moved.wraps.length > 0) rewrapped += ((await expectOk(admin.desk, 'POST', '/api/admin/rewrap', { wraps: moved.wraps }, admin.token)) as Rewrapped).written;
        if (moved.failed.length > 0) {
          // Reported, never dropped silently: the server lists them with the reason from now on.
          unopenable += ((await expectOk(admin.desk, 'POST', '/api/admin/rotation/skip', { wraps: moved.failed }, admin.token)) as WrapsSkipped).skipped;
          for (const f of moved.failed)
            say(`cannot re-wrap the ${f.keyKind} key${f.ticketId ? ` of ticket ${f.ticketId}` : ''} (v${f.teamKeyVersion}): ${f.reason.replaceAll('_', ' ')}; skipped`);
        }
        batches++;
        const left = st.pending.tickets + st.pending.notes + st.pending.labels - moved.wraps.length - moved.failed.length;
        say(`rewrapped ${rewrapped} key(s); ${left} left`);
        break;
      }
      case 'retire':
        for (const old of step.versions) {
          await appendEntry(admin, core.retireEntry(admin.vault, old));
          retired.push(old);
          say(`retired v${old}`);
        }
        break;
      case 'done': {
        const end = await status(admin, 1);
        say(progressLine(end));
        return { version, rewrapped, unopenable, skipped, retired, complete: true };
      }
    }
  }
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
  const skipped = result.skipped.length > 0 ? `; ${result.skipped.length} key(s) could not be re-wrapped and were skipped (lost with the old version)` : '';
  io.stdout.write(
    result.complete
      ? `rotation to team key v${result.version} complete: ${result.rewrapped} key(s) re-wrapped, retired ${result.retired.map((v) => `v${v}`).join(', ') || 'nothing'}${skipped}\n`
      : `rotation to team key v${result.version} not finished (${result.rewrapped} re-wrapped, ${result.unopenable} skipped); run rotate again to continue\n`,
  );
  return result.complete ? 0 : 3;
}
