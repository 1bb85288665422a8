// Staff accounts: invites, activation, the admin's status/role/reset changes, and the profile a
// member's client needs to unlock (SPEC §4, §7). Key material arrives already sealed by the
// member's client; the server stores public keys, a pwhash of authSecret and the sealed blob.
import { and, asc, eq, gt, inArray, isNull } from 'drizzle-orm';
import { asAuthSecret, hashAuthSecret, type KdfParams } from '../../protocol/index';
import { conflict, notFound, unauthorized } from '../errors';
import { appendAuditRow } from '../plugins/app/audit';
import { affectedRows, tables, transaction, type Db } from './data';
import { hashOneTimeToken, newOneTimeToken, nowSeconds } from '../plugins/app/tokens';
import { isAdmitted, isKeyLogAdmin, keyLogAdminIds } from './staff-admission';
import { appendKeyLogEntryInTransaction, liveTeamKeyVersions } from './keylog';
import { liveLabelKeyWraps } from './labels';
import type { PatchedStaff, PendingInvite, StaffRow, StaffState } from '../../contract/index';
import type { KeyLogEntry } from '../../protocol/index';

export const INVITE_TTL_SECONDS = 72 * 60 * 60;

export type Role = 'technician' | 'admin';

export interface Enrolment {
  kdf: { salt: string; opslimit: number; memlimit: number };
  authSecret: string;
  boxPk: string;
  signPk: string;
  keyBlob: { v: 1; nonce: string; ct: string };
}

const inviteInvalid = () => unauthorized('the invite token is invalid, used or expired');

/** The stored columns for an enrolment. Hashing is the slow part: done before any transaction. */
export function enrolmentColumns(e: Enrolment, authHashKdf: KdfParams) {
  return {
    kdfSalt: e.kdf.salt,
    kdfOpslimit: e.kdf.opslimit,
    kdfMemlimit: e.kdf.memlimit,
    // SECURITY: only the pwhash of authSecret is stored; a database copy cannot log anyone in.
    authHash: hashAuthSecret(asAuthSecret(e.authSecret), authHashKdf),
    boxPk: e.boxPk,
    signPk: e.signPk,
    keyBlob: JSON.stringify(e.keyBlob),
  };
}

async function issueInvite(db: Db, createdBy: string, username: string, role: Role, ttlSeconds = INVITE_TTL_SECONDS): Promise<{ inviteToken: string; expiresAt: number }> {
  const inviteToken = newOneTimeToken();
  const expiresAt = nowSeconds() + Math.min(ttlSeconds, INVITE_TTL_SECONDS);
  // SECURITY: only the hash is stored; the token is shown to the admin once.
  await db.insert(tables(db).invites).values({ tokenHash: hashOneTimeToken(inviteToken), username, role, createdBy, expiresAt });
  return { inviteToken, expiresAt };
}

export function createInvite(db: Db, actorId: string, username: string, role: Role, ttlHours?: number): Promise<{ inviteToken: string; expiresAt: number }> {
  return transaction(db, async (tx) => {
    const { staff } = tables(tx);
    if ((await tx.select({ id: staff.id }).from(staff).where(eq(staff.username, username))).length > 0) {
      throw conflict('a staff member with this username exists', 'username_taken');
    }
    const issued = await issueInvite(tx, actorId, username, role, ttlHours === undefined ? INVITE_TTL_SECONDS : ttlHours * 3600);
    await appendAuditRow(tx, actorId, 'staff.invite', username, { role, expiresAt: issued.expiresAt });
    return issued;
  });
}

function pendingInviteRows(db: Db) {
  const { invites } = tables(db);
  return db
    .select({ username: invites.username, role: invites.role, expiresAt: invites.expiresAt })
    .from(invites)
    .where(and(isNull(invites.usedAt), gt(invites.expiresAt, nowSeconds())))
    .orderBy(asc(invites.username), asc(invites.expiresAt));
}

/**
 * Cancels every unused invite for `username` (a first invite, or a reset account's re-enrolment
 * link): the tokens stop working at once. Audited; 404 when there was none. A reset account stays
 * reset (keys cleared) — a new reset issues a new link.
 */
export function cancelInvites(db: Db, actorId: string, username: string): Promise<{ cancelled: number }> {
  return transaction(db, async (tx) => {
    const { invites } = tables(tx);
    const live = and(eq(invites.username, username), isNull(invites.usedAt), gt(invites.expiresAt, nowSeconds()));
    const n = (await tx.select({ tokenHash: invites.tokenHash }).from(invites).where(live)).length;
    if (n === 0) throw notFound('no pending invite for this username');
    // SECURITY: deleting the hash is what kills the token; nothing else could redeem it.
    await tx.delete(invites).where(live);
    await appendAuditRow(tx, actorId, 'staff.invite_cancel', username, { cancelled: n });
    return { cancelled: n };
  });
}

async function liveInvite(db: Db, inviteToken: string) {
  const { invites } = tables(db);
  const [row] = await db
    .select()
    .from(invites)
    .where(eq(invites.tokenHash, hashOneTimeToken(inviteToken)));
  if (!row || row.usedAt !== null || row.expiresAt <= nowSeconds()) throw inviteInvalid();
  return row;
}

/**
 * What an invitee's client needs before it can seal its key blob: the username and, for a
 * re-enrolment, the existing staffId (the blob's associated data binds it). New members choose
 * their own staffId, like ticket ids.
 */
export async function describeInvite(db: Db, inviteToken: string): Promise<{ username: string; role: Role; staffId: string | null; expiresAt: number }> {
  const invite = await liveInvite(db, inviteToken);
  const { staff } = tables(db);
  const [existing] = await db.select({ id: staff.id }).from(staff).where(eq(staff.username, invite.username));
  return { username: invite.username, role: invite.role, staffId: existing?.id ?? null, expiresAt: invite.expiresAt };
}

export async function activate(
  db: Db,
  inviteToken: string,
  staffId: string,
  enrolment: Enrolment,
  authHashKdf: KdfParams,
): Promise<{ staffId: string; username: string; role: Role }> {
  // Cheap check first: a bogus token must not cost us an Argon2 hash.
  await liveInvite(db, inviteToken);
  const columns = enrolmentColumns(enrolment, authHashKdf);
  return transaction(db, async (tx) => {
    const { staff, invites } = tables(tx);
    const invite = await liveInvite(tx, inviteToken);
    const now = nowSeconds();
    const [existing] = await tx.select({ id: staff.id, status: staff.status }).from(staff).where(eq(staff.username, invite.username));
    if (existing) {
      // Re-enrolment: only an account an admin reset, and only under its own id.
      if (existing.status !== 'reset') throw conflict('this username is already enrolled', 'username_taken');
      if (existing.id !== staffId) throw conflict('re-enrolment must keep the account staffId', 'staff_id_mismatch');
      await tx
        .update(staff)
        .set({ ...columns, role: invite.role, status: 'active', updatedAt: now })
        .where(eq(staff.id, staffId));
    } else {
      if ((await tx.select({ id: staff.id }).from(staff).where(eq(staff.id, staffId))).length > 0) throw conflict('staffId already in use');
      await tx.insert(staff).values({ id: staffId, username: invite.username, role: invite.role, status: 'active', ...columns, createdAt: now, updatedAt: now });
    }
    // SECURITY: single use; the token is dead even if the rest of the flow is retried.
    await tx.update(invites).set({ usedAt: now }).where(eq(invites.tokenHash, invite.tokenHash));
    await appendAuditRow(tx, staffId, existing ? 'staff.reenrol' : 'staff.activate', invite.username, { role: invite.role });
    return { staffId, username: invite.username, role: invite.role };
  });
}

async function liveGrants(db: Db, staffId: string): Promise<{ teamKeyVersion: number; sealed: string }[]> {
  const live = await liveTeamKeyVersions(db);
  if (live.length === 0) return [];
  const { grants } = tables(db);
  return db
    .select({ teamKeyVersion: grants.teamKeyVersion, sealed: grants.sealed })
    .from(grants)
    .where(and(eq(grants.staffId, staffId), inArray(grants.teamKeyVersion, live)))
    .orderBy(asc(grants.teamKeyVersion));
}

export async function staffProfile(db: Db, staffId: string) {
  const { staff } = tables(db);
  const [row] = await db.select().from(staff).where(eq(staff.id, staffId));
  if (!row) throw notFound();
  const admitted = await isAdmitted(db, row.id);
  return {
    staffId: row.id,
    username: row.username,
    role: row.role,
    status: row.status,
    admitted,
    kdf: { salt: row.kdfSalt, opslimit: row.kdfOpslimit, memlimit: row.kdfMemlimit },
    keyBlob: JSON.parse(row.keyBlob) as Enrolment['keyBlob'],
    grants: await liveGrants(db, row.id),
    // Sealed to the team key: useless without a grant, so only admitted members get them.
    labelKeyWraps: admitted ? await liveLabelKeyWraps(db) : [],
  };
}

function stateOf(status: StaffRow['status'], admitted: boolean): StaffState {
  if (status === 'reset') return 'invited';
  if (status === 'disabled') return 'disabled';
  return admitted ? 'active' : 'awaiting_admission';
}

/**
 * The console's staff list: every account with its derived state, key fingerprint inputs, coarse
 * last sign-in and (reset accounts) re-enrolment expiry, and the pending first invites.
 */
export async function listStaff(db: Db): Promise<{ staff: StaffRow[]; invites: PendingInvite[] }> {
  const pending = await pendingInviteRows(db);
  const { staff } = tables(db);
  const rows = await db.select().from(staff).orderBy(asc(staff.username));
  const admittedIds = new Set<string>();
  for (const r of rows) if (await isAdmitted(db, r.id)) admittedIds.add(r.id);
  const accounts = new Set(rows.map((r) => r.username));
  const expiryOf = (username: string) => pending.filter((i) => i.username === username).reduce<number | null>((m, i) => (m === null || i.expiresAt > m ? i.expiresAt : m), null);
  return {
    staff: rows.map((r) => {
      const admitted = admittedIds.has(r.id);
      return {
        staffId: r.id,
        username: r.username,
        role: r.role,
        status: r.status,
        state: stateOf(r.status, admitted),
        boxPk: r.boxPk === '' ? null : r.boxPk,
        signPk: r.signPk === '' ? null : r.signPk,
        admitted,
        lastSignInDay: r.lastSignInDay,
        inviteExpiresAt: r.status === 'reset' ? expiryOf(r.username) : null,
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
      };
    }),
    invites: pending.map((i) => ({ username: i.username, role: i.role, expiresAt: i.expiresAt, reenrolment: accounts.has(i.username) })),
  };
}

export type StaffPatch = { status: 'disabled'; entry?: unknown } | { status: 'active' } | { role: Role; entry?: unknown } | { reset: true };
export interface PatchEffects {
  /** Revokes the member's sessions inside the change's transaction (`tx`). */
  revokeSessions: (tx: Db, staffId: string) => Promise<number>;
}

/**
 * SECURITY: the key-log admins hold the only keys that can sign the next key-log entry (add a
 * member, rotate the team key). Disabling, demoting or resetting the last of them — a reset
 * deletes the account's key blob — would leave a desk whose root of trust can never change
 * again, so it is refused whoever asks (an operator CLI included, not only the HTTP guard).
 */
async function assertNotLastKeyLogAdmin(db: Db, staffId: string): Promise<void> {
  if (!(await isKeyLogAdmin(db, staffId))) return;
  if ((await keyLogAdminIds(db)).some((id) => id !== staffId)) return;
  throw conflict('this is the last admin the key log vouches for; vouch for another admin first', 'last_admin');
}

/**
 * The signed entry that goes with a disable (`staff-remove`) or a role change (`role-set`): it must
 * name exactly this member and this change. SECURITY: the server checks and stores what the admin
 * signed; it has no key to make such an entry, so the log can only ever say what an admin said.
 * The last-admin rule is the key log's own (an entry leaving no active admin is refused) on top of
 * assertNotLastKeyLogAdmin.
 */
async function appendCompanionEntry(db: Db, actorId: string, staffId: string, patch: { status: 'disabled'; entry?: unknown } | { role: Role; entry?: unknown }): Promise<number> {
  const entry = patch.entry as KeyLogEntry;
  const body = entry.body as { staffId?: unknown; role?: unknown };
  const fits = 'status' in patch ? entry.type === 'staff-remove' && body.staffId === staffId : entry.type === 'role-set' && body.staffId === staffId && body.role === patch.role;
  if (!fits) throw conflict('the key-log entry does not describe this change to this member', 'entry_mismatch');
  return (await appendKeyLogEntryInTransaction(db, actorId, entry)).seq;
}

/**
 * Disable, re-enable, change role, or reset an account. Every change that narrows access
 * revokes the member's sessions in the same request, so it applies at once (SPEC §7).
 */
export async function patchStaff(db: Db, actorId: string, staffId: string, patch: StaffPatch, effects: PatchEffects): Promise<PatchedStaff> {
  // SECURITY: an admin changing their own account could lock the desk out of its last admin.
  if (staffId === actorId) throw conflict('ask another admin to change your own account', 'self_change');
  return transaction(db, async (tx) => {
    const { staff, grants } = tables(tx);
    const [row] = await tx.select().from(staff).where(eq(staff.id, staffId));
    if (!row) throw notFound('no such staff member');
    const narrows = ('status' in patch && patch.status === 'disabled') || ('role' in patch && patch.role !== 'admin') || 'reset' in patch;
    if (narrows) await assertNotLastKeyLogAdmin(tx, staffId);
    const now = nowSeconds();
    let issued: { inviteToken: string; expiresAt: number } | undefined;
    let signedOut: number | undefined;
    // The entry the admin signed for this change goes in first, in this transaction: if the log
    // refuses it (stale seq, last admin, not the caller's signature), nothing else changes.
    const keyLogSeq = 'entry' in patch && patch.entry !== undefined ? await appendCompanionEntry(tx, actorId, staffId, patch) : undefined;
    if ('status' in patch && patch.status === 'disabled') {
      await tx.update(staff).set({ status: 'disabled', updatedAt: now }).where(eq(staff.id, staffId));
      signedOut = await effects.revokeSessions(tx, staffId);
      // SECURITY: grants are the member's copy of the team key; a disabled member keeps none.
      const deleted = await tx.delete(grants).where(eq(grants.staffId, staffId));
      await appendAuditRow(tx, actorId, 'staff.disable', staffId, { signedOut, grantsDeleted: affectedRows(deleted), ...(keyLogSeq === undefined ? {} : { keyLogSeq }) });
    } else if ('status' in patch) {
      if (row.status !== 'disabled') throw conflict('only a disabled account can be re-enabled; a reset one must re-enrol', 'bad_status');
      await tx.update(staff).set({ status: 'active', updatedAt: now }).where(eq(staff.id, staffId));
      await appendAuditRow(tx, actorId, 'staff.enable', staffId, {});
    } else if ('role' in patch) {
      await tx.update(staff).set({ role: patch.role, updatedAt: now }).where(eq(staff.id, staffId));
      signedOut = await effects.revokeSessions(tx, staffId);
      await appendAuditRow(tx, actorId, 'staff.role', staffId, { from: row.role, to: patch.role, ...(keyLogSeq === undefined ? {} : { keyLogSeq }) });
    } else {
      await tx.update(staff).set({ status: 'reset', kdfSalt: '', authHash: '', boxPk: '', signPk: '', keyBlob: '', updatedAt: now }).where(eq(staff.id, staffId));
      signedOut = await effects.revokeSessions(tx, staffId);
      await tx.delete(grants).where(eq(grants.staffId, staffId));
      issued = await issueInvite(tx, actorId, row.username, row.role);
      await appendAuditRow(tx, actorId, 'staff.reset', staffId, {});
    }
    const [after] = await tx.select({ status: staff.status, role: staff.role }).from(staff).where(eq(staff.id, staffId));
    if (!after) throw new Error('staff row vanished inside its own transaction');
    return {
      staffId,
      status: after.status,
      role: after.role,
      ...(issued ?? {}),
      ...(signedOut === undefined ? {} : { signedOut }),
      ...(keyLogSeq === undefined ? {} : { keyLogSeq }),
    };
  });
}
