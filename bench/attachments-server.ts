// The desk for bench/attachments.ts, in its own process so its RSS is the server's alone: a real
// app (temp SQLite file, WAL, durability barrier) on 127.0.0.1, one requester with one ticket.
// Talks to the parent over IPC: sends what a client needs, samples its own RSS and reports its
// CPU time on request.
import * as p from '../protocol/index';
import { buildTestApp } from '../test/helpers/app';
import { seedDesk, seedRequester, seedTicket } from '../test/helpers/desk';

await p.ready();
const t = await buildTestApp({ env: { SEALDESK_LOG_LEVEL: 'warn', SEALDESK_MAX_TICKET_MB: '1024' } });
const desk = await seedDesk(t.app);
const requester = await seedRequester(t.app);
const ticket = await seedTicket(t.app, desk, requester);
const address = await t.app.listen({ port: 0, host: '127.0.0.1' });

let sampler: NodeJS.Timeout | undefined;
let peak = 0;
const send = (m: unknown) => process.send!(m);
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'rss-start') {
    global.gc?.();
    const baseline = process.memoryUsage.rss();
    peak = baseline;
    // rss() alone: memoryUsage() also walks the V8 heap, which at 100 samples/s cost the server
    // a measurable share of the upload's CPU.
    sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
    send({ baseline });
  } else if (m.cmd === 'rss-stop') {
    clearInterval(sampler);
    send({ peak: Math.max(peak, process.memoryUsage.rss()) });
  } else if (m.cmd === 'cpu') {
    // This process's CPU time so far (every thread: the loop, the WAL checkpointer, libuv's pool).
    const c = process.cpuUsage();
    send({ cpuMs: (c.user + c.system) / 1000 });
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
