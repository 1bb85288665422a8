// Attachment encrypt-and-upload in Chromium: `npx tsx bench/attachments-browser.ts` (or
// `npm run bench -- attachments-browser`). Writes bench/attachments-browser.json.
//
// A real desk (setup CLI + server process on 127.0.0.1, the built client) and Debian's Chromium.
// A requester files a request through the UI, then attaches a 10 MiB file to a reply; the figure
// is the time from the attachment's create call to its `complete` answer, i.e. reading the File,
// encrypting chunk by chunk in the crypto worker and uploading every chunk to the server. The
// baseline, in the same run and the same page: OpenPGP.js (the library other web tools use; a
// bench-only devDependency) encrypting the same 10 MiB to a Curve25519 key, in memory, with no
// network at all. Target: ours ≥ 5× faster.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { startDesk } from '../test/e2e/desk';

const FILE_MIB = 10;
const RUNS = 3;
const TARGET = 5;
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const root = here('..');
const SLOW = 180_000;

const hook = (page: Page, name: string) => page.locator(`[data-test="${name}"]`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

/** A requester files a request through the UI and ends in its thread, signed in. */
async function requesterInThread(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/`);
  await hook(page, 'start-new').click();
  await hook(page, 'new-subject').fill('bench: attachment upload');
  await hook(page, 'new-body').fill('A benchmark request.');
  await hook(page, 'new-continue').click();
  const items = hook(page, 'passphrase-words').locator('li');
  await items.first().waitFor();
  const words = (await items.allInnerTexts()).map((w) => w.trim());
  await hook(page, 'passphrase-written').check();
  await hook(page, 'passphrase-next').click();
  for (const i of [0, 1]) {
    const n = Number(/\d+/.exec(await page.locator(`label[for="word${i}"]`).innerText())?.[0]);
    await hook(page, `confirm-word-${i}`).fill(words[n - 1]!);
  }
  await hook(page, 'confirm-send').click();
  await hook(page, 'done-open').click({ timeout: SLOW });
  await hook(page, 'reply-form').waitFor({ timeout: SLOW });
}

async function main(): Promise<void> {
  if (!existsSync(`${root}/client/dist/index.html`)) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const desk = await startDesk();
  const browser = await chromium.launch({
    executablePath: process.env.SEALDESK_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
  });
  try {
    const bytes = Buffer.alloc(FILE_MIB * 1024 * 1024);
    // Incompressible, deterministic content.
    let x = 0x9e3779b9;
    for (let i = 0; i < bytes.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      bytes.writeUInt32LE(x >>> 0, i);
    }
    const context = await browser.newContext();
    context.setDefaultTimeout(SLOW);
    // The baseline's code and data come from the desk's origin, so the page's CSP allows them.
    await context.route(/\/assets\/bench-openpgp\.mjs$/, (route) =>
      route.fulfill({ contentType: 'text/javascript', body: readFileSync(`${root}/node_modules/openpgp/dist/openpgp.min.mjs`, 'utf8') }),
    );
    await context.route(/\/assets\/bench-file\.bin$/, (route) => route.fulfill({ contentType: 'application/octet-stream', body: bytes }));
    const page = await context.newPage();
    await requesterInThread(page, desk.url);

    // The upload span, from the create request to the complete answer, seen on the context (the
    // crypto worker's requests included).
    const marks = new Map<string, number>();
    // Per-run chunk traffic, to tell where the time goes: statuses, latency, concurrency.
    let puts: { start: number; end?: number; status?: number }[] = [];
    const open = new Map<object, { start: number; end?: number; status?: number }>();
    context.on('request', (r) => {
      if (r.method() === 'POST' && /\/attachments$/.test(r.url())) marks.set('create', performance.now());
      if (r.method() === 'PUT') {
        const e = { start: performance.now() };
        open.set(r, e);
        puts.push(e);
      }
    });
    context.on('response', (r) => {
      if (r.request().method() === 'POST' && /\/attachments\/[^/]+\/complete$/.test(r.url())) marks.set('complete', performance.now());
      const e = open.get(r.request());
      if (e) {
        e.end = performance.now();
        e.status = r.status();
      }
    });
    const chunkStats: { puts: number; statuses: Record<string, number>; medianPutMs: number; maxInFlight: number }[] = [];

    const ours: number[] = [];
    const openpgp: number[] = [];
    const pipeline: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      marks.clear();
      puts = [];
      const name = `bench-${run}.bin`;
      await hook(page, 'attach-input').setInputFiles([{ name, mimeType: 'application/octet-stream', buffer: bytes }]);
      await hook(page, 'attach-metadata-may-remain').waitFor();
      await hook(page, 'reply-send').click();
      await page.locator(`[data-test="attachment"][data-name="${name}"]`).waitFor({ timeout: SLOW });
      ours.push(marks.get('complete')! - marks.get('create')!);
      const statuses: Record<string, number> = {};
      for (const e of puts) statuses[String(e.status ?? 'none')] = (statuses[String(e.status ?? 'none')] ?? 0) + 1;
      const edges = puts.flatMap((e) => [
        [e.start, 1],
        [e.end ?? e.start, -1],
      ]);
      edges.sort((a, b) => a[0]! - b[0]!);
      let inFlight = 0;
      let maxInFlight = 0;
      for (const [, d] of edges) maxInFlight = Math.max(maxInFlight, (inFlight += d!));
      chunkStats.push({ puts: puts.length, statuses, medianPutMs: median(puts.map((e) => (e.end ?? e.start) - e.start)), maxInFlight });
      console.log(JSON.stringify(chunkStats.at(-1)));

      // The same bytes, the same page: OpenPGP.js, encryption only (key generation untimed).
      openpgp.push(
        await page.evaluate(async () => {
          const pgp = await import(/* @vite-ignore */ '/assets/bench-openpgp.mjs' as string);
          const data = new Uint8Array(await (await fetch('/assets/bench-file.bin')).arrayBuffer());
          const { publicKey } = await pgp.generateKey({ type: 'ecc', curve: 'curve25519', userIDs: [{ name: 'bench' }], format: 'object' });
          const t0 = performance.now();
          const message = await pgp.createMessage({ binary: data });
          const sealed = (await pgp.encrypt({ message, encryptionKeys: publicKey, format: 'binary' })) as Uint8Array;
          const ms = performance.now() - t0;
          if (sealed.length < data.length) throw new Error('OpenPGP output too short');
          return ms;
        }),
      );
      console.log(`run ${run + 1}: sealdesk encrypt+upload ${ours[run]!.toFixed(0)} ms, OpenPGP.js encrypt ${openpgp[run]!.toFixed(0)} ms`);
    }
    // The client's own share: the same upload with every chunk PUT and the complete answered by the
    // browser (Playwright) instead of the server, so no server work or disk is in the span.
    let created: Record<string, unknown> | null = null;
    await context.route(/\/api\/tickets\/[^/]+\/attachments(\/[^/]+\/(chunks\/\d+|complete))?$/, async (route) => {
      const req = route.request();
      if (req.method() === 'PUT') return route.fulfill({ status: 204 });
      if (req.method() === 'POST' && req.url().endsWith('/complete')) {
        const { storedChunks: _stored, ...attachment } = created ?? {};
        return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ...attachment, complete: true }) });
      }
      if (req.method() === 'POST') {
        const res = await route.fetch();
        created = (await res.json()) as Record<string, unknown>;
        return route.fulfill({ response: res, json: created });
      }
      return route.continue();
    });
    for (let run = 0; run < RUNS; run++) {
      marks.clear();
      await hook(page, 'attach-input').setInputFiles([{ name: `pipeline-${run}.bin`, mimeType: 'application/octet-stream', buffer: bytes }]);
      await hook(page, 'attach-metadata-may-remain').waitFor();
      await hook(page, 'reply-send').click();
      const deadline = Date.now() + SLOW;
      while (!marks.has('complete') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      pipeline.push(marks.get('complete')! - marks.get('create')!);
      console.log(`pipeline run ${run + 1}: encrypt in the worker + requests answered by the browser ${pipeline[run]!.toFixed(0)} ms`);
      await page.waitForTimeout(500);
    }
    const pipelineMs = median(pipeline);
    const oursMs = median(ours);
    const openpgpMs = median(openpgp);
    const result = {
      fileMiB: FILE_MIB,
      runs: RUNS,
      browser: browser.version(),
      sealdesk: {
        what: 'File → worker (read, encrypt chunk by chunk) → PUT chunks → complete, real server on 127.0.0.1',
        medianMs: oursMs,
        MBps: mbps(bytes.length, oursMs),
        allMs: ours,
      },
      openpgp: {
        what: 'OpenPGP.js 6 encrypt to a Curve25519 key, same bytes in memory, same page, no network',
        medianMs: openpgpMs,
        MBps: mbps(bytes.length, openpgpMs),
        allMs: openpgp,
      },
      chunkStats,
      clientPipeline: {
        what: 'the same File → worker → encrypt → chunk requests, with PUTs and complete answered by the browser (no server work)',
        medianMs: pipelineMs,
        MBps: mbps(bytes.length, pipelineMs),
        allMs: pipeline,
        speedupVsOpenpgp: openpgpMs / pipelineMs,
      },
      speedup: openpgpMs / oursMs,
      target: TARGET,
    };
    writeFileSync(here('./attachments-browser.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await browser.close();
    await desk.stop();
  }
}

await main();
