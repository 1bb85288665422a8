import { eq } from 'drizzle-orm';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH_HASH_KDF } from '../../../protocol/index';
import { desk, requesters } from '../../../db/schema';
import { buildApp } from '../../../server/app';
import { loadConfig } from '../../../server/config';
import { SECRET_FILES } from '../../../server/plugins/app/secrets';
import { buildTestApp } from '../../helpers/app';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sealdesk-dd-'));
  dirs.push(dir);
  return dir;
}

describe('data directory', () => {
  it('creates a missing data dir as 0700 with 0600 secret files', async () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    const app = await buildApp(loadConfig({ SEALDESK_DATA_DIR: dataDir, SEALDESK_LOG_LEVEL: 'silent' }));
    await app.ready();
    await app.close();
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const file of Object.values(SECRET_FILES)) {
      const st = statSync(join(dataDir, file));
      expect(st.mode & 0o777, file).toBe(0o600);
      expect(st.size, file).toBe(32);
    }
    expect(statSync(join(dataDir, 'sealdesk.db')).isFile()).toBe(true);
  });

  it('hashes stored auth secrets with the protocol cost unless the test fixture says otherwise', async () => {
    const app = await buildApp(loadConfig({ SEALDESK_DATA_DIR: tempDir(), SEALDESK_LOG_LEVEL: 'silent' }));
    try {
      expect(app.authHashKdf).toEqual(AUTH_HASH_KDF);
    } finally {
      await app.close();
    }
  });

  it('keeps secrets, desk identity, data and sessions across a restart', async () => {
    // Given a first run that stored data and issued a session
    const dataDir = tempDir();
    const first = await buildTestApp({ dataDir });
    const secretsBefore = Object.values(SECRET_FILES).map((f) => readFileSync(join(dataDir, f)));
    const deskBefore = first.db.select().from(desk).where(eq(desk.id, 1)).get();
    first.db.insert(requesters).values({ id: 'r1', boxPk: 'b', signPk: 's', createdAt: 1 }).run();
    const { token } = await first.app.issueSession('requester', 'r1');
    await first.close();

    // When the server starts again on the same data dir
    const second = await buildTestApp({
      dataDir,
      extend: (app) => {
        app.get('/test/me', { preHandler: app.requireRequester }, async (request) => ({ id: request.requester?.id }));
      },
    });
    try {
      // Then nothing was regenerated or lost
      expect(Object.values(SECRET_FILES).map((f) => readFileSync(join(dataDir, f)))).toEqual(secretsBefore);
      expect(second.db.select().from(desk).where(eq(desk.id, 1)).get()).toEqual(deskBefore);
      expect(second.db.select({ id: requesters.id }).from(requesters).all()).toEqual([{ id: 'r1' }]);
      const res = await second.app.inject({ method: 'GET', url: '/test/me', headers: { authorization: `Bearer ${token}` } });
      expect(res.json()).toEqual({ id: 'r1' });
    } finally {
      await second.close();
    }
  });

  it('tightens a secret file that was left world-readable', async () => {
    const dataDir = tempDir();
    const first = await buildTestApp({ dataDir });
    await first.close();
    const { chmodSync } = await import('node:fs');
    chmodSync(join(dataDir, SECRET_FILES.jwtKey), 0o644);
    const second = await buildTestApp({ dataDir });
    await second.close();
    expect(statSync(join(dataDir, SECRET_FILES.jwtKey)).mode & 0o777).toBe(0o600);
  });
});
