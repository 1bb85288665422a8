// `setup [--username admin]` without SEALDESK_SETUP_TOKEN: the first admin, headless, on the data
// dir (SEALDESK_DATA_DIR) with no server running. The operator's machine builds the app in-process
// and mints the one-time setup token itself; then the staff client's own setup flow (the client
// core, as over HTTP) runs against it through app.inject. Only what a client would send is sent.
import { Writable } from 'node:stream';
import { buildApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { createSetupToken } from '../../server/plugins/app/desk';
import type { DeskApi } from '../staff/api';
import { CliError, parseFlags, type CommandIo } from '../staff/io';
import { SECRET_OPTIONS, SECRET_USAGE } from '../staff/secret';
import { newAdminSecret, setUpDesk, setupReport } from '../staff/setup';

const USAGE = `setup [--username NAME] ${SECRET_USAGE}   (SEALDESK_DATA_DIR; SEALDESK_ADMIN_PASSWORD: a password of your own)`;

export async function operatorSetupCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { username: { type: 'string' }, ...SECRET_OPTIONS }, USAGE);
  if (positionals.length > 0) throw new CliError(`usage: ${USAGE}`);
  const username = values.username ?? 'admin';
  const secret = await newAdminSecret(io, values, username);
  const env = io.env as NodeJS.ProcessEnv;
  const config = loadConfig({ ...env, SEALDESK_LOG_LEVEL: env.SEALDESK_LOG_LEVEL ?? 'warn' });
  // Server log lines go to stderr so stdout carries only the command's own output.
  const logStream = new Writable({
    write: (chunk, _enc, done) => {
      io.stderr.write(String(chunk));
      done();
    },
  });
  // No load shedding: this app serves only this command, whose own key derivations keep the
  // shared event loop busy (under-pressure would read that as overload and answer 503).
  const app = await buildApp(config, { logStream, underPressure: { maxEventLoopDelay: 0, maxEventLoopUtilization: 0 } });
  await app.ready();
  try {
    const desk: DeskApi = {
      async call(method, url, body, token) {
        const res = await app.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }), headers: token ? { authorization: `Bearer ${token}` } : {} });
        return { status: res.statusCode, body: res.body === '' ? undefined : res.json() };
      },
    };
    const fingerprint = await setUpDesk(desk, (await createSetupToken(app.db)).token, username, secret);
    io.stdout.write(setupReport(username, fingerprint, secret));
    return 0;
  } finally {
    await app.close();
  }
}
