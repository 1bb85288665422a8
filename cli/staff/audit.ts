// `audit [--who USERNAME] [--what ACTION] [--since YYYY-MM-DD] [--limit N] [--as ADMIN]`: the
// hash-chained audit log, readable, with the chain's verification result (recomputed by the server
// over the whole chain; the links between consecutive rows shown here are checked again locally).
import * as core from '../../client-core';
import type { AuditPage } from '../../contract';
import { expectOk } from './api';
import { table, when } from './format';
import { CliError, parseFlags, type CommandIo } from './io';
import { connect, DESK_OPTIONS } from './session';

const USAGE = 'audit [--who USERNAME] [--what ACTION] [--since YYYY-MM-DD] [--limit N] [--as ADMIN] [--server URL] [--fingerprint FP]';

export async function auditCommand(args: string[], io: CommandIo): Promise<number> {
  const options = { ...DESK_OPTIONS, as: { type: 'string' }, who: { type: 'string' }, what: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' } } as const;
  const { values, positionals } = parseFlags(args, options, USAGE);
  if (positionals.length > 0) throw new CliError(`usage: ${USAGE}`);
  const since = values.since === undefined ? undefined : Date.parse(`${values.since}T00:00:00Z`) / 1000;
  if (since !== undefined && !Number.isInteger(since)) throw new CliError('--since takes a UTC day: YYYY-MM-DD');
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit must be a positive integer');
  const admin = await connect(io, values, values.as ?? 'admin', 'SEALDESK_ADMIN_PASSWORD');
  // Names from the VERIFIED key log; an actor it never held is shown by id.
  const directory = core.staffDirectory(admin.vault);
  const nameOf = (id: string | null) => (id === null ? '-' : (directory.find((d) => d.staffId === id)?.username ?? id));
  let who: string | undefined;
  if (values.who !== undefined) {
    const found = directory.find((d) => d.username === values.who);
    if (!found) throw new CliError(`the key log lists no member named ${values.who}`);
    who = found.staffId;
  }
  const rows = [['SEQ', 'WHEN (UTC)', 'WHO', 'WHAT', 'TARGET', 'DETAIL']];
  let after = 0;
  let shown = 0;
  let view: core.AuditView | null = null;
  let linksOk = true;
  while (shown < limit) {
    const q = new URLSearchParams({ after: String(after), limit: String(Math.min(500, limit - shown)) });
    if (who) q.set('who', who);
    if (values.what) q.set('what', values.what);
    if (since !== undefined) q.set('since', String(since));
    view = core.auditView((await expectOk(admin.desk, 'GET', `/api/admin/audit?${q}`, undefined, admin.token)) as AuditPage);
    linksOk &&= view.linksOk;
    for (const e of view.entries) rows.push([String(e.seq), when(e.at), nameOf(e.actorStaffId), e.action, e.target ?? '-', JSON.stringify(e.detail)]);
    shown += view.entries.length;
    if (view.nextAfter === null) break;
    after = view.nextAfter;
  }
  for (const line of table(rows)) io.stdout.write(`${line}\n`);
  const chain = view?.chain;
  const ok = chain?.ok === true && linksOk;
  io.stdout.write(
    ok
      ? `\naudit chain verified: ${chain.count} row(s), every hash and link matches\n`
      : `\nAUDIT CHAIN BROKEN${chain?.brokenAt !== null && chain?.brokenAt !== undefined ? ` at row ${chain.brokenAt}` : ''}${linksOk ? '' : ' (rows shown here do not link up)'}: the log was altered; tell the operator\n`,
  );
  return ok ? 0 : 4;
}
