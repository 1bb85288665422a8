// The floor on a member's Argon2id parameters (PROTOCOL.md §3, DECISIONS "Staff passphrases
// (issue 12)"). The server cannot tell a generated passphrase from a chosen password, so it holds
// every enrolment to the lightest parameters a client may pick: those of a generated passphrase.
import type { KdfParams } from '../../protocol/index';
import { badRequest } from '../errors';

/** Throws `kdf_too_weak` (400) for parameters below the floor (memlimit; opslimit ≥ 1 is the contract's). */
export function checkStaffKdf(kdf: KdfParams, floor: KdfParams): void {
  // SECURITY: a key blob under weaker parameters would be cheaper to guess offline than the
  // protocol promises; refuse it at the door rather than store it.
  if (kdf.memlimit < floor.memlimit || kdf.opslimit < floor.opslimit) {
    throw badRequest('kdf_too_weak', `Argon2id parameters below the desk's floor (opslimit ≥ ${floor.opslimit}, memlimit ≥ ${floor.memlimit} bytes)`);
  }
}
