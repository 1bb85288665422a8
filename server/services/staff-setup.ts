// POST /api/setup (SPEC §4, §9): the one-time token printed at first start turns into the first
// admin, the genesis entry, team key v1 and the admin's grant — all in one transaction.
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { desk, grants, keylogEntries, labelKeyWraps, staff } from '../../db/schema';
import { constantTimeEqual, utf8, type KdfParams, type KeyLogBodies } from '../../protocol/index';
import { badRequest, conflict, unauthorized } from '../errors';
import { appendAuditRow } from '../plugins/app/audit';
import { hasAdmin } from '../plugins/app/desk';
import { hashOneTimeToken, nowSeconds } from '../plugins/app/tokens';
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
function checkSetupToken(db: Db, token: string) {
  const row = db.select().from(desk).where(eq(desk.id, 1)).get();
  if (!row) throw new Error('desk row missing');
  if (hasAdmin(db) || db.select({ seq: keylogEntries.seq }).from(keylogEntries).limit(1).get()) {
    throw conflict('this desk is already set up', 'already_set_up');
  }
  // SECURITY: compare hashes in constant time and check expiry; completeSetup clears the hash.
  const stored = row.setupTokenHash;
  if (!stored || !constantTimeEqual(utf8(hashOneTimeToken(token)), utf8(stored)) || (row.setupTokenExpiresAt ?? 0) <= nowSeconds()) {
    throw setupRefused();
  }
  return row;
}

export function completeSetup(db: Db, input: SetupInput, authHashKdf: KdfParams): { staffId: string; fingerprint: string; deskId: string } {
  checkSetupToken(db, input.token);
  const columns = enrolmentColumns(input, authHashKdf);
  return db.transaction(
    () => {
      const row = checkSetupToken(db, input.token);
      const g = (input.genesis as { body?: Partial<KeyLogBodies['genesis']> }).body ?? {};
      // The genesis must describe this desk and exactly the account being created.
      if (g.deskId !== row.deskId) throw badRequest('keylog_invalid', 'genesis names another desk');
      if (g.username !== input.username || g.boxPk !== input.boxPk || g.signPk !== input.signPk) {
        throw badRequest('keylog_invalid', "genesis does not match the admin's username and keys");
      }
      if ((input.labelKey === undefined) !== (input.labelKeyWrap === undefined)) throw badRequest('validation_failed', 'labelKey and labelKeyWrap come together');
      const state = storeGenesis(db, { genesis: input.genesis, teamKey: input.teamKey, ...(input.labelKey === undefined ? {} : { labelKey: input.labelKey }) });
      const staffId = g.staffId as string;
      const now = nowSeconds();
      db.insert(staff)
        .values({ id: staffId, username: input.username, role: 'admin', status: 'active', ...columns, createdAt: now, updatedAt: now })
        .run();
      db.insert(grants).values({ staffId, teamKeyVersion: 1, sealed: input.grant }).run();
      if (input.labelKeyWrap !== undefined) db.insert(labelKeyWraps).values({ teamKeyVersion: 1, sealed: input.labelKeyWrap, createdAt: now }).run();
      db.update(desk).set({ setupTokenHash: null, setupTokenExpiresAt: null }).where(eq(desk.id, 1)).run();
      appendAuditRow(db, staffId, 'desk.setup', input.username, { fingerprint: state.fingerprint });
      return { staffId, fingerprint: state.fingerprint, deskId: row.deskId };
    },
    { behavior: 'immediate' },
  );
}
