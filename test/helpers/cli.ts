// Runs `npm run cli -- …` in this process (CLI tests where process behaviour is not the subject;
// test/helpers/process.ts runs it as a process): the real dispatcher and commands, with an environment
// and output streams of the test's own (no SEALDESK_* from the parent leaks in), against a real
// server listening on 127.0.0.1:0.
import { Readable } from 'node:stream';
import { runCli } from '../../cli/index';
import type { TestApp } from './app';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCommand(args: string[], env: Record<string, string>, stdin = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = {
    env: { NO_COLOR: '1', ...env },
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([Buffer.from(stdin)]),
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/** Listens on an ephemeral local port; returns the base URL the CLI is given. */
export async function listen(t: TestApp): Promise<string> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}
