// The one submission shape the submit benches post (bench/submit.ts in process, bench/submit-nodes.ts
// to server processes): requesters with sessions, each filing TICKETS_PER_REQUESTER sealed tickets
// with a solved PoW, built before the clock starts. Seeding goes through an app on the desk's
// database (either dialect) and its data dir's secrets, so the bodies are what a real client sends.
import { createTicket, ticketSubmission, generateStaffKeys, issuePowChallenge, solvePow, toB64, type TeamPublicKeyVersion } from '../protocol/index';
import type { buildApp } from '../server/app';
import { newId } from '../server/plugins/app/tokens';
import { tables } from '../server/services/data';
import { POW_TTL_SECONDS } from '../server/services/pow';

export type BenchApp = Awaited<ReturnType<typeof buildApp>>;

/** The default open-ticket quota: the benches respect real limits. */
export const TICKETS_PER_REQUESTER = 5;

export interface Job {
  ticketId: string;
  token: string;
  body: string;
}

/** Client-side work for `n` submissions, untimed: requesters + sessions, sealed tickets, solved PoW. */
export async function prepareSubmissions(app: BenchApp, team: TeamPublicKeyVersion, n: number, powDifficulty: number): Promise<Job[]> {
  const { requesters } = tables(app.db);
  const jobs: Job[] = [];
  let identity = generateStaffKeys(); // any X25519 + Ed25519 pair; passphrase derivation is not under test
  let token = '';
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < n; i++) {
    if (i % TICKETS_PER_REQUESTER === 0) {
      identity = generateStaffKeys();
      const id = newId();
      await app.db.insert(requesters).values({ id, boxPk: toB64(identity.box.publicKey), signPk: toB64(identity.sign.publicKey), createdAt: now - (now % 3600) });
      token = (await app.issueSession('requester', id)).token;
    }
    const t = createTicket({
      payload: { v: 1, subject: `bench ${i}`, body: 'x'.repeat(600), category: 'bench', lang: 'en' },
      requesterSignSk: identity.sign.secretKey,
      requesterBoxPk: identity.box.publicKey,
      team,
    });
    // Issued exactly as POST /api/pow does (same MAC key), without 3×N trips through its rate limit.
    const challenge = issuePowChallenge(app.secrets.powMacKey, { purpose: 'ticket', difficulty: powDifficulty, ttlSeconds: POW_TTL_SECONDS, now });
    const pow = { challenge, nonce: await solvePow(challenge) };
    jobs.push({ ticketId: t.ticketId, token, body: JSON.stringify({ ...ticketSubmission(t), pow }) });
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  return jobs;
}
