// The admin console's view models: pure functions over the wire shapes (no DOM, no i18n), so the
// rules the screens follow are tested in Node (test/client/admin-model.test.ts).
import type { AuditEntry, StaffRow } from '../../api';

/** What the staff list says about a member (issue 10): one word per row. */
export type MemberState = 'invited' | 'awaiting_admission' | 'active' | 'disabled';

/**
 * A member's state. The server's derived `state` wins when it sends one; otherwise it is derived
 * from the row: a reset account is invited again (it waits for re-enrolment), an activated account
 * the key log does not vouch for waits for admission.
 */
export function memberState(row: Pick<StaffRow, 'status' | 'admitted' | 'boxPk'> & { state?: string }): MemberState {
  if (row.state === 'invited' || row.state === 'awaiting_admission' || row.state === 'active' || row.state === 'disabled') return row.state;
  if (row.status === 'disabled') return 'disabled';
  if (row.status === 'reset' || row.boxPk === null) return 'invited';
  return row.admitted ? 'active' : 'awaiting_admission';
}

const DAY = 86_400;

/**
 * Coarse last sign-in: the day only (the server keeps no finer time for this). `lastSignInDay` is
 * Unix seconds at 00:00 UTC of that day, or null/absent when the member never signed in.
 */
export function lastSignInDay(row: { lastSignInDay?: number | null }): number | null {
  const day = row.lastSignInDay;
  return typeof day === 'number' && Number.isFinite(day) ? Math.floor(day / DAY) * DAY : null;
}

export interface RotationProgress {
  done: number;
  total: number;
  percent: number;
  /** Seconds left at the rate so far; null before the first batch has finished. */
  secondsLeft: number | null;
}

/** Progress of a rotation run: keys re-wrapped out of the keys pending when it started. */
export function rotationProgress(done: number, total: number, elapsedMs: number): RotationProgress {
  const safeTotal = Math.max(total, done, 0);
  const percent = safeTotal === 0 ? 100 : Math.min(100, Math.floor((done / safeTotal) * 100));
  const secondsLeft = done > 0 && elapsedMs > 0 ? Math.ceil(((safeTotal - done) * elapsedMs) / done / 1000) : null;
  return { done, total: safeTotal, percent, secondsLeft };
}

export interface AuditFilters {
  /** A staff id, 'system' (no actor), or '' for anyone. */
  who: string;
  /** An action prefix such as 'staff.' or an exact action; '' for everything. */
  what: string;
  /** Unix seconds, inclusive bounds; null for open. */
  from: number | null;
  to: number | null;
}

export const NO_AUDIT_FILTERS: AuditFilters = { who: '', what: '', from: null, to: null };

export function filterAudit(entries: readonly AuditEntry[], f: AuditFilters): AuditEntry[] {
  return entries.filter((e) => {
    if (f.who === 'system' ? e.actorStaffId !== null : f.who !== '' && e.actorStaffId !== f.who) return false;
    if (f.what !== '' && !(f.what.endsWith('.') ? e.action.startsWith(f.what) : e.action === f.what)) return false;
    if (f.from !== null && e.at < f.from) return false;
    if (f.to !== null && e.at > f.to) return false;
    return true;
  });
}

/** The result of checking the chain links the admin can see. */
export type ChainCheck = { ok: true; entries: number } | { ok: false; brokenAt: number };

/**
 * Each row must name the previous row's hash and follow it in sequence, from the first row on.
 * This checks the links as delivered; recomputing each row's hash needs the server's canonical
 * form (audit-verify does that on the data itself).
 */
export function checkAuditLinks(entries: readonly AuditEntry[]): ChainCheck {
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1]!;
    const cur = entries[i]!;
    if (cur.seq !== prev.seq + 1 || cur.prevHash !== prev.hash) return { ok: false, brokenAt: cur.seq };
  }
  return { ok: true, entries: entries.length };
}

/** Every distinct action seen, grouped by family ('staff.', 'keylog.'), for the "what" filter. */
export function auditActions(entries: readonly AuditEntry[]): string[] {
  return [...new Set(entries.map((e) => e.action))].sort();
}

/** The invite link the admin hands over: this desk's address with the activation route. */
export function inviteLink(origin: string, inviteToken: string): string {
  return `${origin}/#/activate/${inviteToken}`;
}
