// Key wrapping (SPEC §4–§5): a ticket key K, note key N or the desk label key L sealed
// (crypto_box_seal, X25519) to the team public key of a given version, or K sealed to the
// requester's box key. A wrap is a bare sealed box plus, for team wraps, the team key version it
// was sealed to. Every wrapped key is 32 bytes, so every sealed value is exactly 80 bytes.
import { z } from 'zod';
import { fromB64, toB64, type B64 } from './encoding';
import { UnsupportedVersionError } from './errors';
import { openSealedBox, sealBox } from './primitives';
import { parseWith, sealedKeySchema } from './schemas';
import { sodium } from './sodium';
import type { BoxKeyPair, BoxPublicKey, LabelKey, NoteKey, TeamKeyPair, TeamPublicKeyVersion, TicketKey } from './types';

// Wraps travel inside request bodies without their own `v` (API.md POST /api/tickets). An explicit
// `v` is accepted when present and must name a known version.
const version = z.literal(1).optional();
export const teamWrapSchema = z.strictObject({ v: version, teamKeyVersion: z.number().int().min(1), sealed: sealedKeySchema });
export const requesterWrapSchema = z.strictObject({ v: version, sealed: sealedKeySchema });

export interface TeamWrap {
  readonly teamKeyVersion: number;
  readonly sealed: B64;
}
export interface RequesterWrap {
  readonly sealed: B64;
}

function checkVersion(value: unknown): void {
  if (typeof value === 'object' && value !== null && 'v' in value && (value as { v: unknown }).v !== 1) {
    throw new UnsupportedVersionError((value as { v: unknown }).v);
  }
}

export function parseTeamWrap(value: unknown): TeamWrap {
  checkVersion(value);
  const w = parseWith(teamWrapSchema, value, 'team wrap');
  return { teamKeyVersion: w.teamKeyVersion, sealed: w.sealed as B64 };
}

export function parseRequesterWrap(value: unknown): RequesterWrap {
  checkVersion(value);
  const w = parseWith(requesterWrapSchema, value, 'requester wrap');
  return { sealed: w.sealed as B64 };
}

/** Seals K, N or L to a team key version. Who can open: every staff member holding that version's grant. */
export function wrapKeyForTeam(key: TicketKey | NoteKey | LabelKey, team: TeamPublicKeyVersion): TeamWrap {
  return { teamKeyVersion: team.version, sealed: toB64(sealBox(key, team.publicKey)) };
}

/**
 * Opens a team wrap with the team key pair of the wrap's version. Throws DecryptError. `as` names
 * the key that comes out (the sealed box does not bind it; a wrap moved between kinds yields a key
 * that fails every AEAD check of the other kind). For the desk label key call openLabelKeyWrap
 * (labels.ts) instead: it also checks L against the key log's commitment.
 */
export function openTeamWrap(wrap: unknown, teamKeys: TeamKeyPair, as: 'ticket'): TicketKey;
export function openTeamWrap(wrap: unknown, teamKeys: TeamKeyPair, as: 'note'): NoteKey;
export function openTeamWrap(wrap: unknown, teamKeys: TeamKeyPair, as: 'label'): LabelKey;
export function openTeamWrap(wrap: unknown, teamKeys: TeamKeyPair, _as: 'ticket' | 'note' | 'label'): TicketKey | NoteKey | LabelKey {
  const w = parseTeamWrap(wrap);
  return openSealedBox(fromB64(w.sealed), teamKeys.publicKey, teamKeys.secretKey) as TicketKey | NoteKey | LabelKey;
}

/** Seals K to the requester. Who can open: whoever knows the passphrase. Never used for N. */
export function wrapKeyForRequester(key: TicketKey, requesterBoxPk: BoxPublicKey): RequesterWrap {
  return { sealed: toB64(sealBox(key, requesterBoxPk)) };
}

export function openRequesterWrap(wrap: unknown, requesterBox: BoxKeyPair): TicketKey {
  const w = parseRequesterWrap(wrap);
  return openSealedBox(fromB64(w.sealed), requesterBox.publicKey, requesterBox.secretKey) as TicketKey;
}

/**
 * SPEC §7 rotation step: open a K, N or L wrap with the old team key and seal it to the new version.
 * The plaintext key exists only inside this call and is wiped before returning.
 */
export function rewrapForRotation(wrap: unknown, oldTeamKeys: TeamKeyPair, newTeam: TeamPublicKeyVersion): TeamWrap {
  const w = parseTeamWrap(wrap);
  const key = openSealedBox(fromB64(w.sealed), oldTeamKeys.publicKey, oldTeamKeys.secretKey);
  try {
    return { teamKeyVersion: newTeam.version, sealed: toB64(sealBox(key, newTeam.publicKey)) };
  } finally {
    sodium().memzero(key);
  }
}
