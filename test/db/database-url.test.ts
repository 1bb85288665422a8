import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config';

describe('SEALDESK_DATABASE_URL', () => {
  it('unset or empty: the SQLite file', () => {
    expect(loadConfig({}).database).toEqual({ kind: 'sqlite' });
    expect(loadConfig({ SEALDESK_DATABASE_URL: '' }).database).toEqual({ kind: 'sqlite' });
  });

  it('postgres:// and postgresql:// select PostgreSQL, with the pool size', () => {
    const a = loadConfig({ SEALDESK_DATABASE_URL: 'postgres://desk@db.internal:5432/sealdesk' }).database;
    expect(a).toMatchObject({ kind: 'postgres', url: 'postgres://desk@db.internal:5432/sealdesk', poolSize: 10 });
    const b = loadConfig({ SEALDESK_DATABASE_URL: 'postgresql:///sealdesk?host=/run/postgresql', SEALDESK_DATABASE_POOL_SIZE: '4' }).database;
    expect(b).toMatchObject({ kind: 'postgres', poolSize: 4 });
  });

  it('SECURITY: the password never appears when the config is logged, or in an error', () => {
    const config = loadConfig({ SEALDESK_DATABASE_URL: 'postgres://desk:s3cret-pw@db.internal/sealdesk' });
    expect(config.database.kind === 'postgres' && config.database.redacted).toBe('postgres://desk:***@db.internal/sealdesk');
    expect(JSON.stringify(config)).not.toContain('s3cret-pw');
    expect(JSON.stringify(config)).toContain('postgres://desk:***@db.internal/sealdesk');
    for (const bad of ['mysql://desk:s3cret-pw@db/sealdesk', 'desk:s3cret-pw@db/sealdesk', 'postgres://desk:s3cret-pw@db.internal']) {
      let error: unknown;
      try {
        loadConfig({ SEALDESK_DATABASE_URL: bad });
      } catch (err) {
        error = err;
      }
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/^invalid SEALDESK_DATABASE_URL: /);
      expect((error as Error).message).not.toContain('s3cret-pw');
    }
  });

  it('rejects a pool size out of range', () => {
    expect(() => loadConfig({ SEALDESK_DATABASE_URL: 'postgres://h/d', SEALDESK_DATABASE_POOL_SIZE: '0' })).toThrow(/SEALDESK_DATABASE_POOL_SIZE/);
  });
});
