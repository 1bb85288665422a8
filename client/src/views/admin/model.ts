// The admin console's view models: pure functions over the wire shapes (no DOM, no i18n), so the
// rules the screens follow are tested in Node (test/client/admin-model.test.ts).
import type { AuditEntry } from '../../api';

export interface RotationEta {
  percent: number;
  /** Seconds left at this run's rate so far; null before this run has re-wrapped anything. */
  secondsLeft: number | null;
}

/**
 * Percent of the desk's keys that hold the new version (`done` of `total`, from the server, so a
 * resumed run shows the whole rotation) and the time left at the rate of this run: `doneThisRun`
 * keys in `elapsedMs`.
 */
export function rotationEta(done: number, total: number, doneThisRun: number, elapsedMs: number): RotationEta {
  const safeTotal = Math.max(total, done, 0);
  const percent = safeTotal === 0 ? 100 : Math.min(100, Math.floor((done / safeTotal) * 100));
  const secondsLeft = doneThisRun > 0 && elapsedMs > 0 ? Math.ceil(((safeTotal - done) * elapsedMs) / doneThisRun / 1000) : null;
  return { percent, secondsLeft };
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

/** The invite link the admin hands over: this desk's address with the activation route. */
export function inviteLink(origin: string, inviteToken: string): string {
  return `${origin}/#/activate/${inviteToken}`;
}
