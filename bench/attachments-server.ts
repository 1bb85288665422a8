// The desk for bench/attachments.ts, in its own process so its RSS is the server's alone: a real
// app (temp SQLite file, WAL, durability barrier) on 127.0.0.1, one requester with one ticket.
// Talks to the parent over IPC: sends what a client needs, samples its own RSS and reports its
// CPU time on request.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as p from '../protocol/index';
import { buildTestApp } from '../test/helpers/app';
import { seedDesk, seedRequester, seedTicket } from '../test/helpers/desk';

await p.ready();
// BENCH_WRITER=off: chunk writes on the event loop (no writer thread), for an A/B in one build.
const t = await buildTestApp({ env: { SEALDESK_LOG_LEVEL: 'warn', SEALDESK_MAX_TICKET_MB: '1024' }, ...(process.env.BENCH_WRITER === 'off' ? { writerThread: false } : {}) });
const desk = await seedDesk(t.app);
const requester = await seedRequester(t.app);
const ticket = await seedTicket(t.app, desk, requester);
const address = await t.app.listen({ port: 0, host: '127.0.0.1' });

let sampler: NodeJS.Timeout | undefined;
let peak = 0;
const send = (m: unknown) => process.send!(m);
// Linux: the kernel's own high-water mark of this process's RSS (VmHWM), reset at the start by
// writing 5 to clear_refs. Exact, and costs the server nothing while it works: the 100-a-second
// rss() sampler it replaces took ~6 % of the server's CPU during an upload on a loaded machine.
const statusKiB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? Number.NaN);
const kernelPeak = (() => {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return Number.isFinite(statusKiB('VmHWM'));
  } catch {
    return false;
  }
})();
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'rss-start') {
    global.gc?.();
    if (kernelPeak) writeFileSync('/proc/self/clear_refs', '5');
    const baseline = process.memoryUsage.rss();
    peak = baseline;
    // Elsewhere: rss() alone (memoryUsage() also walks the V8 heap).
    if (!kernelPeak) sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
    send({ baseline });
  } else if (m.cmd === 'rss-stop') {
    clearInterval(sampler);
    const last = process.memoryUsage.rss();
    send({ peak: kernelPeak ? Math.max(statusKiB('VmHWM') * 1024, last) : Math.max(peak, last) });
  } else if (m.cmd === 'cpu') {
    // This process's CPU time so far (every thread: the loop, the WAL checkpointer, libuv's pool).
    const c = process.cpuUsage();
    send({ cpuMs: (c.user + c.system) / 1000 });
  } else if (m.cmd === 'threads') {
    // CPU time of each thread so far (ns, /proc/self/task/<tid>/schedstat; Linux only): the loop
    // (tid = pid), the writer thread, the WAL checkpointer, libuv's pool, V8's helpers.
    const threads: Record<string, number> = {};
    try {
      for (const tid of readdirSync('/proc/self/task'))
        threads[tid === String(process.pid) ? 'loop' : tid] = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // not Linux: no per-thread figures
    }
    send({ threads });
  } else if (m.cmd === 'close') {
    void t.close().then(() => process.exit(0));
  }
});
send({
  address,
  token: requester.token,
  ticketId: ticket.ticketId,
  ticketKey: p.toB64(ticket.ticketKey),
  keys: {
    boxPk: p.toB64(requester.keys.box.publicKey),
    boxSk: p.toB64(requester.keys.box.secretKey),
    signPk: p.toB64(requester.keys.sign.publicKey),
    signSk: p.toB64(requester.keys.sign.secretKey),
  },
});
