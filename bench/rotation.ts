// Rotation benchmark: `npx tsx bench/rotation.ts [tickets]` (default 5000). Writes bench/rotation.json.
// Seeds N tickets (K wrapped to team key v1, every fifth with a note key N too) and the desk label
// key L (committed in the key log, wrapped to v1; PROTOCOL §4.3) in a real SQLite desk, appends
// v2, then times the whole re-wrap through the real endpoints (GET
// /api/admin/rotation + POST /api/admin/rewrap in batches of 500, via app.inject, each batch re-sealed
// by the client core's rewrapBatch exactly as `cli rotate` does), against the raw libsodium cost of
// opening and re-sealing the same wraps in memory (the floor).
import { writeFileSync } from 'node:fs';
import * as core from '../client-core';
import * as p from '../protocol/index';
import { sodium } from '../protocol/sodium';
import type { RotationStatus } from '../contract';
import { buildTestApp } from '../test/helpers/app';
import { bearer, seedDesk, seedRequester, storedKeyLogState, teamPublicKey } from '../test/helpers/desk';

const N = Number(process.argv[2] ?? 5000);
const BATCH = 500;

await p.ready();
const t = await buildTestApp({ env: { SEALDESK_LOG_LEVEL: 'warn' } });
try {
  const desk = await seedDesk(t.app);
  const v1 = { version: desk.teamKeyVersion, pair: desk.teamKey, pub: teamPublicKey(desk) };
  const requester = await seedRequester(t.app);

  // Seed: one transaction, prepared statements; the wraps are real crypto_box_seal outputs.
  const seedStart = performance.now();
  const insTicket = t.sqlite.prepare('INSERT INTO tickets (id, requester_id, created_at, updated_at) VALUES (?, ?, 0, 0)');
  const insWrap = t.sqlite.prepare('INSERT INTO wraps (ticket_id, key_kind, recipient, team_key_version, sealed) VALUES (?, ?, ?, ?, ?)');
  const sealedV1: string[] = [];
  t.sqlite.transaction(() => {
    for (let i = 0; i < N; i++) {
      const id = p.newId();
      const k = p.newTicketKey();
      insTicket.run(id, requester.requesterId);
      const w = p.wrapKeyForTeam(k, v1.pub).sealed;
      sealedV1.push(w);
      insWrap.run(id, 'ticket', 'team', 1, w);
      insWrap.run(id, 'ticket', 'requester', null, p.wrapKeyForRequester(k, requester.keys.box.publicKey).sealed);
      if (i % 5 === 0) {
        const n = p.wrapKeyForTeam(p.newNoteKey(), v1.pub).sealed;
        sealedV1.push(n);
        insWrap.run(id, 'note', 'team', 1, n);
      }
    }
  })();
  const seedMs = performance.now() - seedStart;
  // The desk label key, as POST /api/admin/label-key stores it: committed and wrapped to v1.
  const labelKey = p.newLabelKey();
  const labelEntry = p.signKeyLogEntry(
    p.buildKeyLogEntry(await storedKeyLogState(t.app), {
      type: 'label-key',
      body: { commit: p.labelKeyCommitment(labelKey) },
      signer: desk.admin.staffId,
      at: Math.floor(Date.now() / 1000),
    }),
    desk.admin.keys.sign.secretKey,
  );
  const labelWrap = p.wrapKeyForTeam(labelKey, v1.pub);
  const stored = await t.app.inject({ method: 'POST', url: '/api/admin/label-key', headers: bearer(desk.admin.token), payload: { entry: labelEntry, wrap: labelWrap } });
  if (stored.statusCode !== 201) throw new Error(`label key: ${stored.statusCode} ${stored.body}`);
  sealedV1.push(labelWrap.sealed);
  // Team key v2 over the API as well (the seed's own log state no longer knows the head).
  const logNow = p.verifyKeyLog((await t.app.inject({ method: 'GET', url: '/api/keylog' })).json<{ entries: unknown[] }>().entries);
  const pair2 = p.generateTeamKey();
  const teamKeyEntry = p.signKeyLogEntry(
    p.buildKeyLogEntry(logNow, { type: 'team-key', body: { version: 2, boxPk: p.toB64(pair2.publicKey) }, signer: desk.admin.staffId, at: Math.floor(Date.now() / 1000) }),
    desk.admin.keys.sign.secretKey,
  );
  const appended = await t.app.inject({ method: 'POST', url: '/api/keylog', headers: bearer(desk.admin.token), payload: { entry: teamKeyEntry } });
  if (appended.statusCode !== 201) throw new Error(`team key v2: ${appended.statusCode} ${appended.body}`);
  const v2 = { version: 2, pair: pair2 };
  const keys = sealedV1.length;
  // The admin's client memory: the verified log and both team keys (the seeded accounts have no
  // real key blob to unlock, so the bench hands the vault the keys the seed made).
  const vault = core.createVault();
  core.trustKeyLog(vault, (await t.app.inject({ method: 'GET', url: '/api/keylog' })).json<{ entries: unknown[] }>().entries, null);
  vault.teamKeys.set(v1.version, v1.pair);
  vault.teamKeys.set(v2.version, v2.pair);

  // Through the endpoints.
  const t0 = performance.now();
  let rewrapped = 0;
  let requests = 0;
  for (;;) {
    const res = await t.app.inject({ method: 'GET', url: `/api/admin/rotation?limit=${BATCH}`, headers: bearer(desk.admin.token) });
    requests++;
    const { batch } = res.json<RotationStatus>();
    if (batch.length === 0) break;
    const { wraps, unopenable } = core.rewrapBatch(vault, batch, v2.version);
    if (unopenable > 0) throw new Error(`${unopenable} wraps did not open`);
    const post = await t.app.inject({ method: 'POST', url: '/api/admin/rewrap', headers: bearer(desk.admin.token), payload: { wraps } });
    requests++;
    if (post.statusCode !== 200) throw new Error(`rewrap failed: ${post.statusCode} ${post.body}`);
    rewrapped += wraps.length;
  }
  const endpointMs = performance.now() - t0;
  if (rewrapped !== keys) throw new Error(`expected ${keys} re-wrapped keys, got ${rewrapped}`);

  if ((await t.app.inject({ method: 'GET', url: '/api/admin/rotation', headers: bearer(desk.admin.token) })).json<RotationStatus>().progress.label.done !== 1) {
    throw new Error('the label key wrap was not re-wrapped');
  }

  // Raw libsodium baseline: open with v1 and seal to v2, the same wraps (K, N and L), nothing else.
  const s = sodium();
  const r0 = performance.now();
  for (const w of sealedV1) {
    const key = s.crypto_box_seal_open(p.fromB64(w), v1.pair.publicKey, v1.pair.secretKey);
    s.crypto_box_seal(key, v2.pair.publicKey);
  }
  const rawMs = performance.now() - r0;

  const result = {
    date: new Date().toISOString(),
    node: process.version,
    tickets: N,
    keys,
    batchSize: BATCH,
    requests,
    seedMs: Math.round(seedMs),
    endpoint: { ms: Math.round(endpointMs), ticketsPerSecond: Math.round(N / (endpointMs / 1000)), keysPerSecond: Math.round(keys / (endpointMs / 1000)) },
    rawLibsodium: { ms: Math.round(rawMs), keysPerSecond: Math.round(keys / (rawMs / 1000)) },
    /** How many times slower the full endpoint path is than the bare crypto. */
    ratio: Number((endpointMs / rawMs).toFixed(2)),
    /** Endpoint throughput as a share of the raw open+seal loop's (issue 10: must stay ≥ 0.5). */
    throughputShare: Number((rawMs / endpointMs).toFixed(2)),
    targetShare: 0.5,
    labelWrap: true,
  };
  console.log(
    `rotation of ${N} tickets (${keys} keys): endpoints ${result.endpoint.ms} ms = ${result.endpoint.ticketsPerSecond} tickets/s; ` +
      `raw open+seal ${result.rawLibsodium.ms} ms = ${result.rawLibsodium.keysPerSecond} keys/s; ratio ${result.ratio}×`,
  );
  writeFileSync(new URL('./rotation.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await t.close();
}
