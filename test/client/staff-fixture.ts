// One desk for the staff-console engine tests: a genesis admin who published team key v1, a
// requester who filed one ticket, and that admin unlocked in the worker engine. Real libsodium,
// real protocol module, real worker engine; cheap Argon2 only through the kdf fixture.
import {
  buildGenesisEntry,
  buildKeyLogEntry,
  deriveStaffSecrets,
  generateStaffKeys,
  generateTeamKey,
  newId,
  newStaffSalt,
  ready,
  sealGrant,
  sealStaffKeyBlob,
  signKeyLogEntry,
  toB64,
  verifyKeyLog,
  type KeyLogEntry,
  type StaffKeys,
} from '../../protocol';
import type { Message, StaffTicket } from '../../client/src/api';
import * as requester from '../../client/src/engine/requester';
import * as staff from '../../client/src/engine/staff';
import { engine } from '../../client/src/engine/state';
import { CHEAP_KDF } from '../fixtures/kdf';

export const PASSPHRASE = 'abandon ability able about above absent absorb abstract';

export interface StaffDesk {
  deskId: string;
  adminId: string;
  admin: StaffKeys;
  team: ReturnType<typeof generateTeamKey>;
  log: KeyLogEntry[];
  requesterKeys: NonNullable<typeof engine.requester>;
  requesterSignPk: string;
  /** K's wrap to the requester for a ticket filed through fileTicket. */
  requesterWraps: Map<string, { sealed: string }>;
  /** Files a ticket as the requester and returns the staff view of it (no note key yet). */
  fileTicket(content: { subject: string; body: string; category?: 'hacked_account' | 'malware' | 'phishing' | 'censorship' | 'other' }): StaffTicket;
}

export function message(messageId: string, seq: number, author: Message['author'], envelope: Message['envelope'], kind: Message['kind'] = 'message'): Message {
  return { messageId, seq, kind, author, envelope, createdAt: 1_700_000_000 + seq };
}

export async function staffDesk(): Promise<StaffDesk> {
  await ready();
  const deskId = newId();
  const adminId = newId();
  const admin = generateStaffKeys();
  const team = generateTeamKey();
  const genesis = signKeyLogEntry(
    buildGenesisEntry({ at: 1, deskId, staffId: adminId, username: 'admin', boxPk: toB64(admin.box.publicKey), signPk: toB64(admin.sign.publicKey) }),
    admin.sign.secretKey,
  );
  const teamEntry = signKeyLogEntry(
    buildKeyLogEntry(verifyKeyLog([genesis]), { type: 'team-key', body: { version: 1, boxPk: toB64(team.publicKey) }, signer: adminId, at: 2 }),
    admin.sign.secretKey,
  );
  const log = [genesis, teamEntry];
  engine.deskId = deskId;
  engine.keyLog = verifyKeyLog(log);

  const { signPk } = requester.deriveKeys(PASSPHRASE);
  const requesterKeys = engine.requester;
  if (!requesterKeys) throw new Error('requester keys missing');

  // The admin unlocks exactly as the console does: Argon2 → key blob → grants.
  const salt = newStaffSalt();
  const { kek } = deriveStaffSecrets('correct horse', salt, CHEAP_KDF);
  staff.deriveSecrets({ password: 'correct horse', salt, ...CHEAP_KDF });
  staff.unlock({
    staffId: adminId,
    keyBlob: sealStaffKeyBlob(admin, kek, adminId),
    grants: [{ teamKeyVersion: 1, sealedKey: sealGrant(team.secretKey, admin.box.publicKey) }],
  });

  const requesterWraps = new Map<string, { sealed: string }>();
  function fileTicket(content: { subject: string; body: string; category?: 'hacked_account' | 'malware' | 'phishing' | 'censorship' | 'other' }): StaffTicket {
    const staffState = engine.staff;
    engine.requester = requesterKeys;
    const sealed = requester.sealNewTicket({ content: { subject: content.subject, body: content.body, category: content.category ?? 'other', lang: 'en' } });
    // The requester engine cached K; a technician must get it through the team wrap instead.
    engine.ticketKeys.delete(sealed.ticketId);
    requesterWraps.set(sealed.ticketId, sealed.requesterWrap);
    engine.staff = staffState;
    return {
      ticketId: sealed.ticketId,
      status: 'new',
      priority: 'normal',
      assigneeId: null,
      labels: [],
      createdAt: 1_700_000_000,
      updatedAt: 1_700_000_000,
      firstMessage: message(sealed.messageId, 1, { type: 'requester' }, sealed.message),
      teamWrap: sealed.teamWrap,
      noteWrap: null,
      requesterSignPk: signPk,
    };
  }

  return { deskId, adminId, admin, team, log, requesterKeys, requesterSignPk: signPk, requesterWraps, fileTicket };
}
