// The team's life as an admin's client does it (issue 10): the roster view model, invites, and the
// signed key-log entries that go with disabling a member and changing a role. Pure: the caller
// (the console's worker, cli/staff) sends the bodies these return and shows the view models.
//   disable: prepareDisable → PATCH /api/admin/staff/:id {status: 'disabled', entry} → recordKeyLogEntry(entry)
//   role:    prepareRoleChange → PATCH /api/admin/staff/:id {role, entry} → recordKeyLogEntry(entry)
import type { KeyLogEntry, KeyLogState, StaffRole } from '../protocol';
import { staffFingerprint } from './admission';
import { CoreError } from './errors';
import { STAFF_USERNAME } from './rules';
import { signNextEntry } from './keylog';
import { requireKeyLog, requireStaff, type Vault } from './vault';
import type { AuditChain, AuditEntry, AuditPage, InviteBody, StaffList, StaffPatchBody, StaffState } from '../contract';

/** One line of the console's staff list (an account, or an invite that has no account yet). */
export interface RosterEntry {
  /** Null for a first invite: the member chooses their staffId when they activate. */
  staffId: string | null;
  username: string;
  role: StaffRole;
  state: StaffState;
  /** The key fingerprint in the one display form, or null before the member has keys. */
  fingerprint: string | null;
  /** UTC day (YYYY-MM-DD) of the last sign-in, or null. */
  lastSignInDay: string | null;
  /** For an invite (first or re-enrolment): when it expires. */
  inviteExpiresAt: number | null;
  /**
   * What the VERIFIED key log says of this account: `member` (lists exactly these keys, active),
   * `former_member` (removed), `other_keys` (lists keys this account no longer holds: a reset or a
   * server that swapped keys), `absent`. The console shows admin powers only for `member` admins.
   */
  keyLog: 'member' | 'former_member' | 'other_keys' | 'absent';
  /** The role the key log gives, when it lists the account. */
  keyLogRole: StaffRole | null;
}

function keyLogStanding(log: KeyLogState, staffId: string, boxPk: string | null, signPk: string | null): Pick<RosterEntry, 'keyLog' | 'keyLogRole'> {
  const rec = log.staff.get(staffId);
  if (!rec) return { keyLog: 'absent', keyLogRole: null };
  if (!rec.active) return { keyLog: 'former_member', keyLogRole: rec.role };
  return { keyLog: rec.boxPk === boxPk && rec.signPk === signPk ? 'member' : 'other_keys', keyLogRole: rec.role };
}

/** The staff list as the console shows it: accounts (with fingerprints) then pending first invites, by username. */
export function rosterView(v: Vault, list: StaffList): RosterEntry[] {
  const log = requireKeyLog(v);
  const accounts: RosterEntry[] = list.staff.map((s) => ({
    staffId: s.staffId,
    username: s.username,
    role: s.role,
    state: s.state,
    fingerprint: s.boxPk && s.signPk ? staffFingerprint(s.boxPk, s.signPk) : null,
    lastSignInDay: s.lastSignInDay,
    inviteExpiresAt: s.inviteExpiresAt,
    ...keyLogStanding(log, s.staffId, s.boxPk, s.signPk),
  }));
  const known = new Set(list.staff.map((s) => s.username));
  const invites: RosterEntry[] = list.invites
    .filter((i) => !known.has(i.username))
    .map((i) => ({
      staffId: null,
      username: i.username,
      role: i.role,
      state: 'invited',
      fingerprint: null,
      lastSignInDay: null,
      inviteExpiresAt: i.expiresAt,
      keyLog: 'absent',
      keyLogRole: null,
    }));
  return [...accounts, ...invites].sort((a, b) => a.username.localeCompare(b.username));
}

/** POST /api/admin/invites body, checked here so a typo is caught before the round trip. */
export function inviteBody(username: string, role: StaffRole, ttlHours?: number): InviteBody {
  if (!STAFF_USERNAME.test(username)) throw new CoreError('bad_username', 'usernames are lower-case letters, digits, dot, dash or underscore');
  return ttlHours === undefined ? { username, role } : { username, role, ttlHours };
}

function notSelf(v: Vault, staffId: string): void {
  // The server refuses it too (self_change); failing here keeps an admin from signing an entry for nothing.
  if (requireStaff(v).staffId === staffId) throw new CoreError('self_change', 'ask another admin to change your own account');
}

/**
 * Disable a member: the PATCH body with the signed `staff-remove` when the verified log lists them
 * as active (null entry otherwise: nothing to remove). The server revokes their sessions, deletes
 * their grants and appends the entry in one transaction; it can check the signature but cannot
 * make one, so it can neither forge a removal nor drop one it was given and still disable.
 * Afterwards the admin should rotate at once: until then the member could still read what is sealed to
 * the current team key with a copy they kept; after it, nothing new.
 */
export function prepareDisable(v: Vault, staffId: string): { body: StaffPatchBody; entry: KeyLogEntry | null } {
  notSelf(v, staffId);
  const rec = requireKeyLog(v).staff.get(staffId);
  const entry = rec?.active ? signNextEntry(v, 'staff-remove', { staffId }) : null;
  return { body: entry ? { status: 'disabled', entry } : { status: 'disabled' }, entry };
}

/** Change a member's role: the PATCH body with the signed `role-set` when the log lists them as active. */
export function prepareRoleChange(v: Vault, staffId: string, role: StaffRole): { body: StaffPatchBody; entry: KeyLogEntry | null } {
  notSelf(v, staffId);
  const rec = requireKeyLog(v).staff.get(staffId);
  const entry = rec?.active && rec.role !== role ? signNextEntry(v, 'role-set', { staffId, role }) : null;
  return { body: entry ? { role, entry } : { role }, entry };
}

/**
 * Reset a member who lost their password: the server clears their keys and issues a one-time
 * re-enrolment invite. The log keeps their old keys until an admin admits the new ones, so what
 * they signed before verifies as `former_key` afterwards.
 */
export function prepareReset(v: Vault, staffId: string): StaffPatchBody {
  notSelf(v, staffId);
  return { reset: true };
}

/** An audit page for display: the rows, the server's whole-chain check, and this page's own links. */
export interface AuditView {
  entries: AuditEntry[];
  chain: AuditChain;
  /**
   * True when each row's prevHash is the hash of the row before it on this page, wherever the two
   * are consecutive (seq n and n+1). Filtered pages skip rows, so only consecutive pairs are checked.
   */
  linksOk: boolean;
  nextAfter: number | null;
}

export function auditView(page: AuditPage): AuditView {
  let linksOk = true;
  for (let i = 1; i < page.entries.length; i++) {
    const prev = page.entries[i - 1]!;
    const row = page.entries[i]!;
    if (row.seq === prev.seq + 1 && row.prevHash !== prev.hash) linksOk = false;
  }
  return { entries: page.entries, chain: page.chain, linksOk, nextAfter: page.nextAfter };
}
