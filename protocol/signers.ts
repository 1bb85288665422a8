// Who signed a staff message, according to the verified key log (issue 10 "trust that survives
// change"). A member's keys change at re-enrolment and end at removal; what they signed before
// must keep verifying, and the reader must see which case it is. docs/PROTOCOL.md §6.1.
import type { B64 } from './encoding';
import { SignatureError } from './errors';
import { asSignPublicKey } from './keys';
import type { KeyLogState, StaffKeyPeriod } from './keylog';
import { verifyMessageSignature } from './message';
import type { MessageKind } from './types';

/**
 * `verified`: the current key of an active member. `former_key`: a key an active member held
 * before a re-enrolment. `former_member`: any key of a member the log has removed. A key the log
 * never vouched for has no status: the caller shows the red forged-signature warning.
 */
export type StaffSignerStatus = 'verified' | 'former_key' | 'former_member';

export interface StaffSignerCandidate {
  readonly signPk: B64;
  readonly status: StaffSignerStatus;
  /** When the log made this key current and (unless still current) ended it. */
  readonly period: StaffKeyPeriod;
}

/**
 * The sign keys to try for a message attributed to `staffId`, best status first: the current key,
 * then earlier keys newest first. Empty for a staffId the log never held. A key vouched for twice
 * (re-added with the same keys) appears once, with its best status.
 *
 * Decision (docs/PROTOCOL.md §6.1): a former key is accepted for any message, whatever its
 * server-set `createdAt`; the status, not a time window, tells the reader the key is no longer
 * current.
 */
export function classifyStaffSigner(state: KeyLogState, staffId: string): readonly StaffSignerCandidate[] {
  const rec = state.staff.get(staffId);
  if (!rec) return [];
  const out: StaffSignerCandidate[] = [];
  const seen = new Set<string>();
  for (const period of [...rec.keyHistory].reverse()) {
    if (seen.has(period.signPk)) continue;
    seen.add(period.signPk);
    const status: StaffSignerStatus = !rec.active ? 'former_member' : period.untilSeq === null ? 'verified' : 'former_key';
    out.push(Object.freeze({ signPk: period.signPk, status, period }));
  }
  return Object.freeze(out);
}

/**
 * Checks a staff-signed message, note or attachment record against every key the log vouched for
 * `staffId` and returns the candidate whose key verifies, or null (forged, or signed by a key the
 * log never held: a red warning). A malformed envelope still throws FormatError.
 */
export function identifyStaffSigner(
  state: KeyLogState,
  input: { kind: MessageKind; ticketId: string; messageId: string; envelope: unknown; staffId: string },
): StaffSignerCandidate | null {
  for (const candidate of classifyStaffSigner(state, input.staffId)) {
    try {
      verifyMessageSignature({ ...input, authorSignPk: asSignPublicKey(candidate.signPk) });
      return candidate;
    } catch (err) {
      if (!(err instanceof SignatureError)) throw err;
    }
  }
  return null;
}
