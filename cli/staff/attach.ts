// Attachments from the staff CLI (API.md "Attachments"): the client core seals, uploads, opens
// and decrypts; these commands read and write local files around it.
//   attach TICKET FILE [--message "text"]   upload a file (streamed from disk), then optionally a reply
//   attachments TICKET                      the ticket's files, each with its signature status
//   download TICKET [ID] [--out DIR]        decrypt to disk, streamed; never opened or executed
// SECURITY: a file name comes from whoever uploaded it. It is cut to a bare, printable name inside
// --out, never overwrites a file, and is written as .part first so a file that fails its checks
// leaves nothing behind (a failed file is not a shorter file).
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import * as core from '../../client-core';
import type { Attachment } from '../../contract';
import { ID_PATTERN } from '../../protocol';
import { expectOk, httpAttachments, serverUrl } from './api';
import { cipherFor, workerChunkCipher } from './chunk-cipher';
import { isRed, SIGNATURE_LABELS, table, when } from './format';
import { CliError, parseFlags, type CommandIo } from './io';
import { connect, DESK_OPTIONS, type StaffSession } from './session';
import { authorName, fetchStaffThread } from './show';

const ATTACH_USAGE = 'attach TICKET_ID FILE [--message "text"] --username NAME [--type MIME] [--server URL]';
const LIST_USAGE = 'attachments TICKET_ID --username NAME [--server URL]';
const DOWNLOAD_USAGE = 'download TICKET_ID [ATTACHMENT_ID] [--out DIR] --username NAME [--server URL]';

export const SAFE_ENVIRONMENT_WARNING =
  'warning: a file sent to a helpdesk may be an attack. It was saved, not opened. Open it only in a safe environment (a disposable virtual machine or a device with nothing on it).';

/** A few types by extension, so a staff upload previews as an image in the web app. */
const TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  pdf: 'application/pdf',
  txt: 'text/plain',
  log: 'text/plain',
};
const typeOf = (name: string) => TYPES[name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';

/** Opens the ticket's keys in the vault, and lists its attachments as the core shows them. */
async function openTicket(s: StaffSession, ticketId: string): Promise<{ ticket: core.AttachmentTicket; attachments: Attachment[] }> {
  const thread = await fetchStaffThread(s, ticketId);
  core.openStaffThread(s.vault, thread.ticket, thread.messages);
  const { attachments } = (await expectOk(s.desk, 'GET', `/api/tickets/${ticketId}/attachments`, undefined, s.token)) as { attachments: Attachment[] };
  return { ticket: { ticketId, requesterSignPk: thread.ticket.requesterSignPk }, attachments };
}

/** Chunks in flight on a fresh upload (the client core's default); each resume halves it. */
const UPLOAD_IN_FLIGHT = 4;

/**
 * Uploads one file; a dropped connection is retried chunk by chunk (the client core), then the
 * upload is resumed from what the server holds with half as many chunks in flight each time
 * (4 → 2 → 1), as the web app does: 1 MiB chunks sharing a slow Tor circuit must each finish
 * within the server's 60 s per request (DECISIONS.md "Attachment throughput"), and one at a time
 * needs only ~17 KB/s. Errors that are not worth retrying, and a failure at one in flight, throw.
 */
export async function uploadResuming(
  upload: core.PreparedUpload,
  source: core.UploadSource,
  transport: core.UploadTransport,
  opts: { onProgress?: (p: core.TransferProgress) => void; onResume?: (inFlight: number) => void; cipher?: core.ChunkCipher } = {},
): Promise<Attachment> {
  for (let inFlight = UPLOAD_IN_FLIGHT; ; inFlight = Math.floor(inFlight / 2)) {
    try {
      return await core.uploadAttachment(upload, source, transport, { onProgress: opts.onProgress, inFlight, cipher: opts.cipher });
    } catch (err) {
      if (!(err as { retryable?: boolean }).retryable || inFlight === 1) throw err;
      opts.onResume?.(Math.floor(inFlight / 2));
    }
  }
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

export async function attachCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { ...DESK_OPTIONS, username: { type: 'string' }, message: { type: 'string' }, type: { type: 'string' }, lang: { type: 'string' } },
    ATTACH_USAGE,
  );
  const [ticketId, file] = positionals;
  const username = values.username ?? io.env.SEALDESK_USERNAME;
  if (!ticketId || !file || positionals.length !== 2 || !username) throw new CliError(`usage: ${ATTACH_USAGE}`);
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw new CliError(`${file}: not a readable file`);
  const s = await connect(io, values, username, 'SEALDESK_PASSWORD');
  const { attachments } = await openTicket(s, ticketId);
  const policy = (await expectOk(s.desk, 'GET', '/api/desk')).policy as core.AttachmentLimits;
  const name = basename(file);
  const problems = core.checkAttachmentLimits(policy, [{ name, size: info.size }], attachments);
  if (problems.length > 0) {
    const p = problems[0]!;
    throw new CliError(
      p.kind === 'file_too_large' ? `${name} is ${mib(p.size)}; the desk takes files up to ${mib(p.limit)}` : `the ticket's attachments would exceed ${mib(p.limit)}`,
    );
  }

  const upload = core.prepareUpload(s.vault, ticketId, { name, type: values.type ?? typeOf(name), size: info.size });
  // Streamed from disk from any offset, so a resumed upload seeks instead of re-reading.
  const source = (from: number) => createReadStream(file, { start: from, highWaterMark: 1024 * 1024 }) as AsyncIterable<Uint8Array>;
  const transport = httpAttachments(serverUrl(values.server, io.env), s.token);
  let shown = -1;
  const onProgress = (p: core.TransferProgress) => {
    const pct = p.bytesTotal === 0 ? 100 : Math.floor((100 * p.bytesDone) / p.bytesTotal);
    if (pct >= shown + 10 || pct === 100) {
      shown = pct;
      io.stderr.write(`  ${pct}%${p.etaSeconds === null || pct === 100 ? '' : `, about ${Math.ceil(p.etaSeconds)} s left`}\n`);
    }
  };
  const thread = workerChunkCipher();
  let done: Attachment;
  try {
    done = await uploadResuming(upload, source, transport, {
      onProgress,
      onResume: (inFlight) => io.stderr.write(`  the connection dropped; resuming with ${inFlight} chunk(s) at a time\n`),
      cipher: cipherFor(upload.layout.chunkCount, thread),
    });
  } finally {
    await thread.close();
  }
  io.stdout.write(`attachment ${done.attachmentId} sent (${name}, ${info.size} bytes)\n`);
  if (values.message) {
    const reply = core.sealStaffReply(s.vault, ticketId, values.message, values.lang);
    await expectOk(s.desk, 'POST', `/api/staff/tickets/${ticketId}/messages`, { kind: 'message', ...reply }, s.token);
    io.stdout.write(`reply ${reply.messageId} sent\n`);
  }
  return 0;
}

export async function attachmentsCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...DESK_OPTIONS, username: { type: 'string' } }, LIST_USAGE);
  const [ticketId] = positionals;
  const username = values.username ?? io.env.SEALDESK_USERNAME;
  if (!ticketId || positionals.length !== 1 || !username) throw new CliError(`usage: ${LIST_USAGE}`);
  const s = await connect(io, values, username, 'SEALDESK_PASSWORD');
  const { ticket, attachments } = await openTicket(s, ticketId);
  const views = core.openAttachmentList(s.vault, ticket, attachments);
  if (views.length === 0) {
    io.stdout.write('no attachments\n');
    return 0;
  }
  const rows = views.map((a) => {
    const { mark, label } = SIGNATURE_LABELS[a.signature];
    const shown = isRed(a.signature) || a.decryptFailed ? ['-', '-', '-'] : [printable(a.name), printable(a.type), String(a.size)];
    return [`${mark} ${a.attachmentId}`, ...shown, authorName(s, a.uploader), when(a.createdAt), a.complete ? label : `${label}, unfinished`];
  });
  for (const line of table([['ATTACHMENT', 'NAME', 'TYPE', 'BYTES', 'FROM', 'WHEN', 'STATUS'], ...rows])) io.stdout.write(`${line}\n`);
  const red = views.filter((a) => isRed(a.signature)).length;
  if (red > 0) io.stderr.write(`${red} attachment(s) failed the signature check; they cannot be downloaded\n`);
  return 0;
}

/** Control characters, bidi overrides and the like, which could disguise a name in a terminal. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
const printable = (s: string) => s.replace(UNPRINTABLE, '?');

/** A bare name inside the output directory: no directories, no hidden or empty names. */
export function safeFileName(name: string, attachmentId: string): string {
  const bare = printable(name.split(/[\\/]/).pop() ?? '')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 200);
  return bare.length > 0 ? bare : `attachment-${attachmentId}`;
}

/** Creates `dir/name` exclusively (never overwriting): name, then "name (1)", "name (2)"… */
async function claimPath(dir: string, name: string): Promise<string> {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let i = 0; i < 1000; i++) {
    const path = join(dir, i === 0 ? name : `${stem} (${i})${ext}`);
    try {
      await (await open(path, 'wx', 0o600)).close();
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new CliError(`too many files named ${name} in ${dir}`);
}

export async function downloadCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...DESK_OPTIONS, username: { type: 'string' }, out: { type: 'string' } }, DOWNLOAD_USAGE);
  const [ticketId, attachmentId] = positionals;
  const username = values.username ?? io.env.SEALDESK_USERNAME;
  if (!ticketId || positionals.length > 2 || !username) throw new CliError(`usage: ${DOWNLOAD_USAGE}`);
  if (attachmentId !== undefined && !ID_PATTERN.test(attachmentId)) throw new CliError('that is not an attachment id');
  const dir = resolve(values.out ?? '.');
  if (!(await stat(dir).catch(() => null))?.isDirectory()) throw new CliError(`${dir}: not a directory`);
  const s = await connect(io, values, username, 'SEALDESK_PASSWORD');
  const { ticket, attachments } = await openTicket(s, ticketId);
  const chosen = attachments.filter((a) => (attachmentId ? a.attachmentId === attachmentId : a.complete));
  if (attachmentId && chosen.length === 0) throw new CliError('no such attachment on this ticket');
  const transport = httpAttachments(serverUrl(values.server, io.env), s.token);
  const thread = workerChunkCipher();
  let failed = 0;
  let warn = false;
  try {
    for (const a of chosen) {
      const view = core.openAttachmentList(s.vault, ticket, [a])[0]!;
      if (isRed(view.signature) || view.decryptFailed) {
        io.stderr.write(`✗ ${a.attachmentId}: ${SIGNATURE_LABELS[view.signature].label}; not downloaded\n`);
        failed++;
        continue;
      }
      const final = await claimPath(dir, safeFileName(view.name, a.attachmentId));
      const part = `${final}.part`;
      try {
        const out = createWriteStream(part, { flags: 'wx', mode: 0o600 });
        // The server's chunk count only picks where chunks are opened; the signed size decides the rest.
        for await (const piece of core.downloadAttachment(s.vault, ticket, a, transport, { cipher: cipherFor(a.chunkCount, thread) })) {
          if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
        }
        out.end();
        await finished(out);
        // The placeholder claimed the name; the checked file takes its place atomically.
        await rename(part, final);
      } catch (err) {
        await unlink(part).catch(() => undefined);
        await unlink(final).catch(() => undefined);
        const code = (err as { code?: string }).code ?? 'error';
        io.stderr.write(`✗ ${a.attachmentId}: ${code}: ${(err as Error).message}; nothing was kept\n`);
        failed++;
        continue;
      }
      io.stdout.write(`saved ${final} (${view.size} bytes, ${printable(view.type) || 'unknown type'})\n`);
      if (!view.type.startsWith('image/')) warn = true;
    }
  } finally {
    await thread.close();
  }
  if (warn) io.stderr.write(`${SAFE_ENVIRONMENT_WARNING}\n`);
  return failed > 0 ? 1 : 0;
}
