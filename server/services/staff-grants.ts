// POST /api/admin/grants: an admin's client seals a team secret key to members' box keys. The
// server cannot check what is inside a sealed box; it checks who and which version.
import { and, eq, isNull } from 'drizzle-orm';
import { conflict } from '../errors';
import { tables, transaction, type Db } from './data';
import { appendAuditRow } from '../plugins/app/audit';
import { isInKeyLog } from './staff-admission';

export interface GrantInput {
  staffId: string;
  teamKeyVersion: number;
  sealed: string;
}

export function storeGrants(db: Db, actorId: string, input: GrantInput[]): Promise<{ stored: number }> {
  return transaction(db, async (tx) => {
    const { grants, teamKeys } = tables(tx);
    for (const g of input) {
      const [version] = await tx
        .select({ version: teamKeys.version })
        .from(teamKeys)
        .where(and(eq(teamKeys.version, g.teamKeyVersion), isNull(teamKeys.retiredAt)));
      if (!version) throw conflict(`team key ${g.teamKeyVersion} is unknown or retired`, 'stale_team_key');
      // SECURITY: a grant is only useful to the holder of the box key the log lists for this
      // member; refusing others keeps grants from reaching keys no admin vouched for.
      if (!(await isInKeyLog(tx, g.staffId))) throw conflict('the member is not in the key log with their current keys (append staff-add first)', 'not_in_keylog');
      await tx
        .insert(grants)
        .values(g)
        .onConflictDoUpdate({ target: [grants.staffId, grants.teamKeyVersion], set: { sealed: g.sealed } });
      await appendAuditRow(tx, actorId, 'staff.grant', g.staffId, { teamKeyVersion: g.teamKeyVersion });
    }
    return { stored: input.length };
  });
}
