// Regenerates test/vectors/protocol-v1.json: `npx tsx test/vectors/generate.ts`.
// Run it only for a deliberate protocol change; the suite compares against the committed file.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as p from '../../protocol/index';
import { encryptAttachmentChunkWithNonce } from '../../protocol/attachment';
import { requesterMaster } from '../../protocol/requester';
import { IN, attachmentPlaintext, hex } from './inputs';
import { buildDeterministicVectors, fixedIds, fixedStaff } from './build';

await p.ready();
const det = buildDeterministicVectors();
const ids = fixedIds();
const staff = fixedStaff();
const team = p.teamKeyPairFromSecret(p.asTeamSecretKey(IN.teamSecretKey));
const requesterReal = p.deriveRequesterKeys(IN.passphrase, ids.deskId);
const staffReal = p.deriveStaffSecrets(IN.staffPassword, p.toB64(IN.staffSalt), p.STAFF_PASSWORD_KDF);
const staffPassphrase = p.deriveStaffSecrets(IN.passphrase, p.toB64(IN.staffSalt), p.STAFF_PASSPHRASE_KDF);

// Sealed boxes and secretstream headers are randomised by design: these are checked by opening
// them with the fixed keys, not by comparing bytes.
// Attachment chunks (PROTOCOL.md §5) are sealed with the fixed AEAD nonce here, so they are byte-exact.
const attachmentLayout = p.attachmentLayout({ ticketId: ids.ticketId, attachmentId: ids.attachmentId, plainBytes: IN.attachmentPlaintextBytes, chunkBytes: 65_536 });
const ciphertext: Uint8Array[] = [];
for await (const { index, plain } of p.plainChunks(attachmentLayout, [attachmentPlaintext()])) {
  ciphertext.push(encryptAttachmentChunkWithNonce(p.asFileKey(IN.fileKey), { ...attachmentLayout, index }, plain, IN.nonce));
}
const PADDING_SIZES = [0, 1, 65_536, 65_537, 100_000, 1_048_576, 1_048_577, 26_214_400];

const vectors = {
  description: 'sealdesk protocol v1 known answers; inputs in test/vectors/inputs.ts, documented in docs/PROTOCOL.md',
  libsodium: 'libsodium-wrappers-sumo 0.8.4',
  deterministic: det,
  requesterInteractive: {
    kdf: p.REQUESTER_KDF,
    masterHex: hex(requesterMaster(IN.passphrase, ids.deskId)),
    boxPk: p.toB64(requesterReal.box.publicKey),
    signPk: p.toB64(requesterReal.sign.publicKey),
  },
  staffPassword: { kdf: p.STAFF_PASSWORD_KDF, kek: p.toB64(staffReal.kek), authSecret: p.toB64(staffReal.authSecret) },
  // A generated staff passphrase (the default secret) under its light parameters; typed with other
  // case and spacing (IN.passphraseRetyped) it must derive the same secrets (PROTOCOL.md §3).
  staffPassphrase: { kdf: p.STAFF_PASSPHRASE_KDF, typed: IN.passphraseRetyped, kek: p.toB64(staffPassphrase.kek), authSecret: p.toB64(staffPassphrase.authSecret) },
  // Deterministic (the solver counts from 0) but async, so it lives outside build.ts.
  powSolution: await p.solvePow(det.pow.challenge),
  powSolutionSha256Hex: '',
  sealed: {
    teamWrapOfTicketKey: p.wrapKeyForTeam(p.asTicketKey(IN.ticketKey), { version: 1, publicKey: team.publicKey }),
    requesterWrapOfTicketKey: p.wrapKeyForRequester(p.asTicketKey(IN.ticketKey), p.asBoxPublicKey(det.requesterCheap.boxPk)),
    grantToStaff: p.sealGrant(team.secretKey, staff.box.publicKey),
    labelKeyWrap: p.wrapKeyForTeam(p.asLabelKey(IN.labelKey), { version: 1, publicKey: team.publicKey }),
  },
  attachment: {
    fileKeyHex: hex(IN.fileKey),
    plaintext: 'byte i = (7*i + 3) mod 256, 65537 bytes',
    ticketId: ids.ticketId,
    attachmentId: ids.attachmentId,
    paddedSize: attachmentLayout.paddedBytes,
    chunkBytes: attachmentLayout.chunkBytes,
    chunkCount: attachmentLayout.chunkCount,
    nonceHex: hex(IN.nonce),
    chunkAd: ['0', '1'].map((i) => new TextDecoder().decode(p.attachmentChunkAd({ ...attachmentLayout, index: Number(i) }))),
    chunks: ciphertext.map((c) => p.toB64(c)),
    padding: PADDING_SIZES.map((size) => ({ size, padded: p.paddedAttachmentSize(size) })),
  },
};
// SHA-256(utf8(challenge) || nonce) of that solution: what a third-party solver must reproduce.
vectors.powSolutionSha256Hex = createHash('sha256').update(p.utf8(det.pow.challenge)).update(p.fromB64(vectors.powSolution)).digest('hex');
writeFileSync(new URL('./protocol-v1.json', import.meta.url), `${JSON.stringify(vectors, null, 2)}\n`);
console.log('wrote test/vectors/protocol-v1.json');
