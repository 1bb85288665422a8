import closeWithGrace from 'close-with-grace';
import { mkdirSync } from 'node:fs';
import { buildApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { createSetupToken, hasAdmin } from './plugins/app/desk';
import { secretsFingerprint } from './plugins/app/secrets';

/** The process: config → data dir → app → listen → setup URL on first start → graceful close (close-with-grace). */
async function main(): Promise<void> {
  // SECURITY: everything this process creates (database, WAL, shm, key files, backups) is owner
  // only, whatever the data directory's or the shell's mode: ciphertext and metadata stay private.
  process.umask(0o077);
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sealdesk: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  // SECURITY: the data dir holds the database and the JWT/PoW keys: owner only.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });

  const app = await buildApp(config);
  // Every node of one desk must log the same value here (docs/OPERATIONS.md, "Two nodes").
  app.log.info({ secretsFingerprint: secretsFingerprint(app.secrets), database: config.database.kind }, 'secrets loaded from the data dir');
  await app.listen({ port: config.port, host: config.host });

  if (!(await hasAdmin(app.db))) {
    const { token } = await createSetupToken(app.db);
    const address = app.server.address();
    const port = address && typeof address === 'object' ? address.port : config.port;
    // SECURITY: plain text on stderr (the terminal), never the JSON log on stdout: the token is a
    // secret and the log stream gets shipped around.
    process.stderr.write(
      `\nSealdesk is not set up yet. Open this one-time URL (valid 24 hours) to create the first admin:\n` + `  http://${urlHost(config.host)}:${port}/#/setup/${token}\n\n`,
    );
  }

  // Graceful close on SIGINT/SIGTERM (and on a crash): stop accepting, let in-flight requests and
  // the group commit finish, close the database; forced exit after the delay.
  closeWithGrace({ delay: 10_000, logger: false }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

main().catch((err: unknown) => {
  process.stderr.write(`sealdesk: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
