// SPEC §4 grants: the team secret key reaches each active staff member sealed to their box key.
import { KEY_BYTES, SEALED_BOX_OVERHEAD } from './constants';
import { fromB64, toB64, type B64 } from './encoding';
import { DecryptError } from './errors';
import { teamKeyPairFromSecret } from './keys';
import { constantTimeEqual, openSealedBox, sealBox } from './primitives';
import type { BoxKeyPair, BoxPublicKey, TeamKeyPair, TeamPublicKey, TeamSecretKey } from './types';

/** Who can open: only the holder of `staffBoxPk`'s secret key. */
export function sealGrant(teamSk: TeamSecretKey, staffBoxPk: BoxPublicKey): B64 {
  return toB64(sealBox(teamSk, staffBoxPk));
}

/**
 * Opens a grant into the team key pair (public key recomputed from the secret). Pass the public
 * key the verified key log publishes for that version: a server that hands out a key of its own
 * choosing is then caught here instead of silently receiving every new ticket.
 */
export function openGrant(sealed: string, staffBox: BoxKeyPair, expectedPublicKey?: TeamPublicKey): TeamKeyPair {
  const secret = openSealedBox(fromB64(sealed, KEY_BYTES + SEALED_BOX_OVERHEAD), staffBox.publicKey, staffBox.secretKey);
  const pair = teamKeyPairFromSecret(secret as TeamSecretKey);
  // SECURITY: without this check a grant could carry a team key that is not the one in the log.
  if (expectedPublicKey && !constantTimeEqual(pair.publicKey, expectedPublicKey)) {
    throw new DecryptError('grant does not match the team key published in the key log');
  }
  return pair;
}
