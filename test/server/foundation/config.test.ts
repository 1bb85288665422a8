import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../server/config';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toEqual({
      port: 8080,
      host: '127.0.0.1',
      dataDir: resolve('./data'),
      retentionDays: 90,
      powDifficulty: 16,
      maxAttachmentBytes: 25 * 1024 * 1024,
      maxTicketBytes: 100 * 1024 * 1024,
      quotas: { openTicketsPerRequester: 5, messagesPerHour: 30 },
      connections: { headersTimeoutMs: 20_000, requestTimeoutMs: 60_000, idleTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000, max: 256 },
      database: { kind: 'sqlite' },
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      SEALDESK_DATA_DIR: '/srv/desk',
      SEALDESK_RETENTION_DAYS: '30',
      SEALDESK_POW_DIFFICULTY: '20',
      SEALDESK_MAX_ATTACHMENT_MB: '5',
      SEALDESK_MAX_TICKET_MB: '10',
      SEALDESK_MAX_OPEN_TICKETS: '2',
      SEALDESK_MAX_MESSAGES_PER_HOUR: '12',
      SEALDESK_HEADERS_TIMEOUT_MS: '1000',
      SEALDESK_REQUEST_TIMEOUT_MS: '2000',
      SEALDESK_IDLE_TIMEOUT_MS: '3000',
      SEALDESK_KEEPALIVE_TIMEOUT_MS: '4000',
      SEALDESK_MAX_CONNECTIONS: '50',
      SEALDESK_LOG_LEVEL: 'warn',
    });
    expect(c.connections).toEqual({ headersTimeoutMs: 1000, requestTimeoutMs: 2000, idleTimeoutMs: 3000, keepAliveTimeoutMs: 4000, max: 50 });
    expect(c).toMatchObject({ port: 9000, host: '0.0.0.0', dataDir: '/srv/desk', retentionDays: 30, powDifficulty: 20, logLevel: 'warn' });
    expect(c.maxAttachmentBytes).toBe(5 * 1024 * 1024);
    expect(c.quotas).toEqual({ openTicketsPerRequester: 2, messagesPerHour: 12 });
  });

  it('is frozen', () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.quotas)).toBe(true);
    expect(Object.isFrozen(c.connections)).toBe(true);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(8080);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['SEALDESK_RETENTION_DAYS', '0'],
    ['SEALDESK_POW_DIFFICULTY', '64'],
    ['SEALDESK_POW_DIFFICULTY', '1.5'],
    ['SEALDESK_MAX_ATTACHMENT_MB', '-1'],
    ['SEALDESK_LOG_LEVEL', 'loud'],
    ['SEALDESK_REQUEST_TIMEOUT_MS', '0'],
    ['SEALDESK_MAX_CONNECTIONS', 'many'],
  ])('rejects %s=%s with a one-line message naming the variable', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`^invalid ${name} \\(got "${value.replace('.', '\\.')}"\\): `));
    expect(message).not.toContain('\n');
  });

  it('rejects a ticket limit smaller than the attachment limit', () => {
    expect(() => loadConfig({ SEALDESK_MAX_ATTACHMENT_MB: '50', SEALDESK_MAX_TICKET_MB: '10' })).toThrow(/SEALDESK_MAX_TICKET_MB/);
  });

  it('rejects a request deadline shorter than the header deadline', () => {
    expect(() => loadConfig({ SEALDESK_HEADERS_TIMEOUT_MS: '5000', SEALDESK_REQUEST_TIMEOUT_MS: '1000' })).toThrow(/SEALDESK_REQUEST_TIMEOUT_MS/);
  });
});

describe('the stored auth-hash cost', () => {
  // SECURITY: cheap Argon2 parameters reach the server only through buildApp's `authHashKdf`
  // option, and only test/helpers/app.ts (the one test fixture) passes it. Nothing an operator can
  // set lowers the cost: the server entry and the CLI build the app from loadConfig alone.
  it('is not a setting: no environment variable lands in the config', () => {
    const lowered = loadConfig({ SEALDESK_AUTH_HASH_OPSLIMIT: '1', SEALDESK_AUTH_HASH_MEMLIMIT: '8192', SEALDESK_KDF_OPSLIMIT: '1', SEALDESK_KDF_MEMLIMIT: '8192' });
    expect(lowered).toEqual(loadConfig({}));
    // (dataDir aside: it is a path, and a checkout's path may say anything, e.g. …/staffkdf/)
    expect(JSON.stringify({ ...lowered, dataDir: '' })).not.toMatch(/kdf|opslimit|memlimit/i);
  });

  it('is lowered by one file outside the server: the test fixture', () => {
    const ROOT = process.cwd();
    const sources = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts') && !f.includes('node_modules'))
        .map((f) => join(dir, f));
    const passing = ['cli', 'bench', 'scripts', 'test', 'client-core']
      .filter((dir) => existsSync(join(ROOT, dir)))
      .flatMap(sources)
      .filter((file) => /\bauthHashKdf\s*:/.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(passing).toEqual([join('test', 'helpers', 'app.ts')]);
    // The same for the floor on enrolment parameters (DECISIONS "Staff passphrases (issue 12)").
    const lowering = ['cli', 'bench', 'scripts', 'test', 'client-core']
      .filter((dir) => existsSync(join(ROOT, dir)))
      .flatMap(sources)
      .filter((file) => /\bstaffKdfFloor\s*:/.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(lowering).toEqual([join('test', 'helpers', 'app.ts')]);
    // And the server's own callers of buildApp (its entry, the headless setup) pass no cost.
    for (const entry of ['server/server.ts', 'cli/operator/setup.ts']) expect(readFileSync(join(ROOT, entry), 'utf8')).not.toMatch(/authHashKdf|staffKdfFloor|CHEAP/);
  });
});
