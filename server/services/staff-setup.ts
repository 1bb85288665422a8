// POST /api/setup (SPEC §4, §9): the one-time token printed at first start turns into the first
// admin, the genesis entry, team key v1 and the admin's grant — all in one transaction.
import { eq } from 'drizzle-orm';
import { constantTimeEqual, utf8, type KdfParams, type KeyLogBodies } from '../../protocol/index';
import { badRequest, conflict, unauthorized } from '../errors';
import { appendAuditRow } from '../plugins/app/audit';
import { hasAdmin } from '../plugins/app/desk';
import { hashOneTimeToken, nowSeconds } from '../plugins/app/tokens';
import { tables, transaction, type Db } from './data';
import { storeGenesis } from './keylog';
import { enrolmentColumns, type Enrolment } from './staff-accounts';

export interface SetupInput extends Enrolment {
  token: string;
  username: string;
  genesis: unknown;
  teamKey: unknown;
  grant: string;
  labelKey?: unknown;
  labelKeyWrap?: string;
}

const setupRefused = () => unauthorized('the setup token is invalid, used or expired');

/** Refuses a set-up desk (409) or a wrong/expired/used token (401); returns the desk row. */
async function checkSetupToken(db: Db, token: string) {
  const { desk, keylogEntries } = tables(db);
  const [row] = await db.select().from(desk).where(eq(desk.id, 1));
  if (!row) throw new Error('desk row missing');
  if ((await hasAdmin(db)) || (await db.select({ seq: keylogEntries.seq }).from(keylogEntries).limit(1)).length > 0) {
    throw conflict('this desk is already set up', 'already_set_up');
  }
  // SECURITY: compare hashes in constant time and check expiry; completeSetup clears the hash.
  const stored = row.setupTokenHash;
  if (!stored || !constantTimeEqual(utf8(hashOneTimeToken(token)), utf8(stored)) || (row.setupTokenExpiresAt ?? 0) <= nowSeconds()) {
    throw setupRefused();
  }
  return row;
}

export async function completeSetup(db: Db, input: SetupInput, authHashKdf: KdfParams): Promise<{ staffId: string; fingerprint: string; deskId: string }> {
  await checkSetupToken(db, input.token);
  // The Argon2id hash is computed before the transaction, which should hold nothing but queries.
  const columns = enrolmentColumns(input, authHashKdf);
  return transaction(db, async (tx) => {
    const { staff, grants, labelKeyWraps, desk } = tables(tx);
    const row = await checkSetupToken(tx, input.token);
    const g = (input.genesis as { body?: Partial<KeyLogBodies['genesis']> }).body ?? {};
    // The genesis must describe this desk and exactly the account being created.
    if (g.deskId !== row.deskId) throw badRequest('keylog_invalid', 'genesis names another desk');
    if (g.username !== input.username || g.boxPk !== input.boxPk || g.signPk !== input.signPk) {
      throw badRequest('keylog_invalid', "genesis does not match the admin's username and keys");
    }
    if ((input.labelKey === undefined) !== (input.labelKeyWrap === undefined)) throw badRequest('validation_failed', 'labelKey and labelKeyWrap come together');
    const state = await storeGenesis(tx, { genesis: input.genesis, teamKey: input.teamKey, ...(input.labelKey === undefined ? {} : { labelKey: input.labelKey }) });
    const staffId = g.staffId as string;
    const now = nowSeconds();
    await tx.insert(staff).values({ id: staffId, username: input.username, role: 'admin', status: 'active', ...columns, createdAt: now, updatedAt: now });
    await tx.insert(grants).values({ staffId, teamKeyVersion: 1, sealed: input.grant });
    if (input.labelKeyWrap !== undefined) await tx.insert(labelKeyWraps).values({ teamKeyVersion: 1, sealed: input.labelKeyWrap, createdAt: now });
    await tx.update(desk).set({ setupTokenHash: null, setupTokenExpiresAt: null }).where(eq(desk.id, 1));
    await appendAuditRow(tx, staffId, 'desk.setup', input.username, { fingerprint: state.fingerprint });
    return { staffId, fingerprint: state.fingerprint, deskId: row.deskId };
  });
}
