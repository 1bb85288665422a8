// What a command gets from the process: arguments come separately; environment, output streams and
// stdin come here, so tests run a command in-process with their own streams and environment.
import { parseArgs as parseNodeArgs, type ParseArgsConfig } from 'node:util';

export interface CommandIo {
  env: Readonly<Record<string, string | undefined>>;
  /** `isTTY`: a terminal (process.stdout sets it); a generated passphrase is printed only there by default. */
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
}

export type Command = (args: string[], io: CommandIo) => Promise<number>;

/** A refusal the user can act on: printed as one line, no stack trace. */
export class CliError extends Error {}

export function processIo(): CommandIo {
  return { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
}

/**
 * node:util parseArgs, with an unknown or malformed flag reported as the command's usage.
 * Ids and fingerprints are base64url and may begin with a dash (`-Xy…`), which node:util would
 * read as a short option or call an ambiguous value. No command has short options, so: the word
 * after a string flag is always its value, a word with one leading dash is a positional, and
 * positionals go after `--` where node:util takes them literally.
 */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, usage: string) {
  const flags: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) positionals.push(arg);
    else if (!arg.includes('=') && options[arg.slice(2)]?.type === 'string' && i + 1 < args.length) flags.push(`${arg}=${args[++i]}`);
    else flags.push(arg);
  }
  const joined = [...flags, '--', ...positionals];
  try {
    return parseNodeArgs({ args: joined, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${err instanceof Error ? err.message : String(err)}\nusage: ${usage}`);
  }
}

/** The password from `envName`, or a prompt on a TTY with echo off; never from argv. */
export async function readPassword(io: CommandIo, envName: string, prompt: string): Promise<string> {
  const fromEnv = io.env[envName];
  if (fromEnv) return fromEnv;
  if (!io.stdin.isTTY || !io.stdin.setRawMode) throw new CliError(`set ${envName} or run in a terminal to be prompted`);
  return promptHidden(io, prompt);
}

/** A new password, typed twice unless it came from the environment. */
export async function readNewPassword(io: CommandIo, envName: string, prompt: string): Promise<string> {
  const password = await readPassword(io, envName, prompt);
  if (!io.env[envName] && (await readPassword(io, envName, 'Again: ')) !== password) throw new CliError('the passwords do not match');
  return password;
}

function promptHidden(io: CommandIo, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = io.stdin;
    io.stderr.write(prompt);
    stdin.setRawMode?.(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.off('data', onData);
      io.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    // SECURITY: raw mode without echo; the password never appears on screen or in scrollback.
    const onData = (chunk: string | Buffer) => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CliError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** All of stdin as text (a reply piped in). */
export async function readStdin(io: CommandIo): Promise<string> {
  if (io.stdin.isTTY) throw new CliError('give the text as an argument or on stdin');
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
