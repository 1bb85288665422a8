// Attachment encrypt-and-upload in Chromium: `npx tsx bench/attachments-browser.ts` (or
// `npm run bench -- attachments-browser`). Writes bench/attachments-browser.json.
//
// A real desk (setup CLI + server process on 127.0.0.1, the built client) and Debian's Chromium.
// A requester files a request through the UI, then attaches a 10 MiB file to a reply; the figure
// is the time from the attachment's create call to its `complete` answer, i.e. reading the File,
// encrypting chunk by chunk in the crypto worker and uploading every chunk to the server. The
// baseline, in the same run and the same page, timed from the very same File object: OpenPGP.js
// (the library other web tools use; a bench-only devDependency) with its default configuration,
// `openpgp.encrypt` of the file's bytes to a freshly generated Curve25519 public key, in memory
// (not streamed), with no network at all. Target: ours ≥ 5× faster.
//
// Two more figures say where our time goes: the same upload from a second page whose chunk PUTs
// and complete go to a sink on 127.0.0.1 that discards them (the browser's real network stack,
// no server work), and a CPU profile of the crypto worker during one upload, split into reading
// the File, encrypting (libsodium), handing requests to the network and idle (waiting for it).
import { spawnSync } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
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

/**
 * A sink in front of the desk: every request goes through to it, except an attachment's chunk
 * PUTs (read to the end and answered 204) and its complete (answered from the create's record), so
 * a page on this origin uploads through the browser's real network stack with no server work.
 */
async function startSink(deskUrl: string): Promise<{ url: string; server: Server }> {
  const desk = new URL(deskUrl);
  const created = new Map<string, Record<string, unknown>>();
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (req.method === 'PUT' && /\/attachments\/[^/]+\/chunks\/\d+$/.test(url)) {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
      return;
    }
    const complete = req.method === 'POST' ? /\/attachments\/([^/]+)\/complete$/.exec(url) : null;
    if (complete) {
      req.resume();
      const { storedChunks: _stored, ...attachment } = created.get(complete[1]!) ?? {};
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...attachment, complete: true }));
      return;
    }
    const upstream = httpRequest({ host: desk.hostname, port: desk.port, method: req.method, path: url, headers: req.headers }, (answer) => {
      if (req.method === 'POST' && /\/attachments$/.test(url)) {
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => {
          const body = Buffer.concat(parts);
          try {
            const record = JSON.parse(body.toString()) as Record<string, unknown>;
            created.set(String(record.attachmentId), record);
          } catch {
            // an error answer: passed on as it is
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers).end(body);
        });
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

// Page-side code is passed as strings: tsx's helpers (`__name`) do not exist in the page.
const MAKE_FILE_IN_PAGE = `(async ({ mib, seed }) => {
  // Incompressible, deterministic content, made in the page (no route, no copy through DevTools).
  const bytes = new Uint8Array(mib * 1024 * 1024);
  const view = new DataView(bytes.buffer);
  let x = seed;
  for (let i = 0; i < bytes.length; i += 4) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    view.setUint32(i, x >>> 0, true);
  }
  window.__benchBlob = new Blob([bytes], { type: 'application/octet-stream' });
  window.__benchPgp = await import('/assets/bench-openpgp.mjs');
})`;

/** Puts a File of the bench bytes into the reply's file input, as a person picking it would. */
const PICK_FILE_IN_PAGE = `((name) => {
  const file = new File([window.__benchBlob], name, { type: 'application/octet-stream' });
  window.__benchFile = file;
  const input = document.querySelector('[data-test="attach-input"]');
  const picked = new DataTransfer();
  picked.items.add(file);
  input.files = picked.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
})`;

/** OpenPGP.js with its defaults, timed from the same File: read it, make the message, encrypt. */
const OPENPGP_IN_PAGE = `(async () => {
  const pgp = window.__benchPgp;
  const file = window.__benchFile;
  const { publicKey } = await pgp.generateKey({ type: 'ecc', curve: 'curve25519', userIDs: [{ name: 'bench' }], format: 'object' });
  const t0 = performance.now();
  const message = await pgp.createMessage({ binary: new Uint8Array(await file.arrayBuffer()) });
  const sealed = await pgp.encrypt({ message, encryptionKeys: publicKey, format: 'binary' });
  const ms = performance.now() - t0;
  if (sealed.length < file.size) throw new Error('OpenPGP output too short');
  // What it actually produced, to state the baseline exactly.
  const read = await pgp.readMessage({ binaryMessage: sealed });
  const name = (e, v) => { try { return pgp.enums.read(e, v); } catch { return String(v); } };
  const packets = read.packets.map((p) => {
    const algo = p.sessionKeyAlgorithm ?? p.cipherAlgorithm;
    const kind = Object.keys(pgp).find((k) => k.endsWith('Packet') && typeof pgp[k] === 'function' && p instanceof pgp[k]) ?? 'packet';
    return kind + ' v' + p.version + (algo ? ' ' + name(pgp.enums.symmetric, algo) : '');
  });
  const c = pgp.config;
  return {
    ms,
    packets,
    key: name(pgp.enums.publicKey, publicKey.getAlgorithmInfo().algorithm) + ' ' + (publicKey.getAlgorithmInfo().curve ?? '') + ', v' + publicKey.keyPacket.version + ' key',
    config: {
      aeadProtect: c.aeadProtect,
      preferredSymmetricAlgorithm: name(pgp.enums.symmetric, c.preferredSymmetricAlgorithm),
      preferredCompressionAlgorithm: name(pgp.enums.compression, c.preferredCompressionAlgorithm),
      v6Keys: c.v6Keys,
    },
  };
})()`;

interface Marks {
  create?: number;
  complete?: number;
}

/** The upload span of each context, from its create request to its complete answer (the worker's requests included). */
function watchUploads(context: BrowserContext): Marks {
  const marks: Marks = {};
  context.on('request', (r) => {
    if (r.method() === 'POST' && /\/attachments$/.test(r.url())) marks.create = performance.now();
  });
  context.on('response', (r) => {
    if (r.request().method() === 'POST' && /\/attachments\/[^/]+\/complete$/.test(r.url())) marks.complete = performance.now();
  });
  return marks;
}

async function benchPage(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page; marks: Marks }> {
  const context = await browser.newContext();
  context.setDefaultTimeout(SLOW);
  const page = await context.newPage();
  await requesterInThread(page, url);
  // The baseline's code is served from the page's origin (so its CSP allows it) for the one
  // import; the route is gone before anything is timed (an active route pauses every request).
  await context.route(/\/assets\/bench-openpgp\.mjs$/, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: readFileSync(`${root}/node_modules/openpgp/dist/openpgp.min.mjs`, 'utf8') }),
  );
  await page.evaluate(`${MAKE_FILE_IN_PAGE}(${JSON.stringify({ mib: FILE_MIB, seed: 0x9e3779b9 })})`);
  await context.unrouteAll();
  return { context, page, marks: watchUploads(context) };
}

/** Attaches a fresh File of the bench bytes to a reply, sends, and returns the create → complete span. */
async function uploadOnce(page: Page, marks: Marks, name: string, waitListed: boolean): Promise<number> {
  delete marks.create;
  delete marks.complete;
  await page.evaluate(`${PICK_FILE_IN_PAGE}(${JSON.stringify(name)})`);
  await hook(page, 'attach-metadata-may-remain').waitFor();
  await hook(page, 'reply-send').click();
  if (waitListed) await page.locator(`[data-test="attachment"][data-name="${name}"]`).waitFor({ timeout: SLOW });
  const deadline = Date.now() + SLOW;
  while (marks.complete === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  if (marks.create === undefined || marks.complete === undefined) throw new Error(`upload ${name} did not complete`);
  return marks.complete - marks.create;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/** Worker CPU time by kind of work, from a V8 sampling profile (self time of each frame). */
function breakdown(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }): Record<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const out: Record<string, number> = { read: 0, encrypt: 0, request: 0, otherJs: 0, idle: 0 };
  profile.samples.forEach((id, i) => {
    const { functionName: fn, url } = byId.get(id)!.callFrame;
    const kind =
      fn === '(idle)'
        ? 'idle'
        : /\/wasm-[\w-]+\.js$/.test(url) || url.startsWith('wasm://') || fn.startsWith('wasm-function') || fn.startsWith('js-to-wasm') || fn === 'getRandomValues'
          ? 'encrypt' // libsodium: its WebAssembly, its JS glue (copies in and out of the heap), nonces
          : fn === 'read' || fn === 'arrayBuffer'
            ? 'read'
            : fn === 'fetch' || fn === 'Blob'
              ? 'request'
              : 'otherJs'; // the driver, re-chunking copies, progress messages, GC
    out[kind]! += (profile.timeDeltas[i] ?? 0) / 1000;
  });
  return out;
}

/** A CPU profile of the crypto worker of the page at `origin` while `work` runs. */
async function profileWorker<T>(browser: Browser, origin: string, work: () => Promise<T>): Promise<{ result: T; cpuMs: Record<string, number> }> {
  const cdp = await browser.newBrowserCDPSession();
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] };
  const worker = targetInfos.find((t) => t.type === 'worker' && t.url.startsWith(origin));
  if (!worker) throw new Error(`no crypto worker at ${origin}`);
  const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false })) as { sessionId: string };
  let nextId = 1;
  const waiting = new Map<number, (v: Record<string, unknown>) => void>();
  cdp.on('Target.receivedMessageFromTarget', (ev: { message: string }) => {
    const m = JSON.parse(ev.message) as { id?: number; result?: Record<string, unknown> };
    if (m.id !== undefined) waiting.get(m.id)?.(m.result ?? {});
  });
  const send = (method: string, params: object = {}) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
    });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 250 });
  await send('Profiler.start');
  const result = await work();
  const { profile } = (await send('Profiler.stop')) as { profile: Parameters<typeof breakdown>[0] };
  await cdp.detach();
  return { result, cpuMs: breakdown(profile) };
}

async function main(): Promise<void> {
  if (!existsSync(`${root}/client/dist/index.html`)) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const desk = await startDesk();
  const sink = await startSink(desk.url);
  const browser = await chromium.launch({
    executablePath: process.env.SEALDESK_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
  });
  try {
    const real = await benchPage(browser, desk.url);
    const sunk = await benchPage(browser, sink.url);
    const ours: number[] = [];
    const openpgp: number[] = [];
    const pipeline: number[] = [];
    let openpgpDetails: Record<string, unknown> = {};
    for (let run = 0; run < RUNS; run++) {
      ours.push(await uploadOnce(real.page, real.marks, `bench-${run}.bin`, true));
      // The same File, the same page: OpenPGP.js (key generation untimed).
      const { ms, ...details } = (await real.page.evaluate(OPENPGP_IN_PAGE)) as { ms: number } & Record<string, unknown>;
      openpgp.push(ms);
      openpgpDetails = details;
      pipeline.push(await uploadOnce(sunk.page, sunk.marks, `sink-${run}.bin`, false));
      await sunk.page.waitForTimeout(300);
      console.log(`run ${run + 1}: sealdesk encrypt+upload ${ours[run]!.toFixed(0)} ms, OpenPGP.js ${ms.toFixed(0)} ms, upload to a sink ${pipeline[run]!.toFixed(0)} ms`);
    }
    // Where the client's time goes: one more upload to the real server, the worker profiled.
    const profiled = await profileWorker(browser, desk.url, () => uploadOnce(real.page, real.marks, 'bench-profiled.bin', true));
    console.log(`profiled upload ${profiled.result.toFixed(0)} ms; worker CPU ms`, profiled.cpuMs);

    const oursMs = median(ours);
    const openpgpMs = median(openpgp);
    const pipelineMs = median(pipeline);
    const bytes = FILE_MIB * 1024 * 1024;
    const openpgpVersion = (JSON.parse(readFileSync(`${root}/node_modules/openpgp/package.json`, 'utf8')) as { version: string }).version;
    const result = {
      fileMiB: FILE_MIB,
      runs: RUNS,
      browser: browser.version(),
      sealdesk: {
        what: 'File → crypto worker (read, encrypt 1 MiB chunks, 4 in flight) → PUT chunks → complete, real server on 127.0.0.1',
        medianMs: oursMs,
        MBps: mbps(bytes, oursMs),
        allMs: ours,
      },
      openpgp: {
        what: `OpenPGP.js ${openpgpVersion}, default config, encrypt to a Curve25519 key, timed from the same File (arrayBuffer + createMessage + encrypt), in memory, same page, no network`,
        version: openpgpVersion,
        ...openpgpDetails,
        medianMs: openpgpMs,
        MBps: mbps(bytes, openpgpMs),
        allMs: openpgp,
      },
      clientPipeline: {
        what: 'the same upload from a second page whose chunk PUTs and complete go to a sink on 127.0.0.1 (the browser network stack, no server work)',
        medianMs: pipelineMs,
        MBps: mbps(bytes, pipelineMs),
        allMs: pipeline,
        speedupVsOpenpgp: openpgpMs / pipelineMs,
      },
      workerProfile: {
        what: 'CPU time of the crypto worker during one more upload to the real server, by kind of work (V8 sampling profile, self time)',
        uploadMs: profiled.result,
        cpuMs: profiled.cpuMs,
      },
      speedup: openpgpMs / oursMs,
      target: TARGET,
    };
    writeFileSync(here('./attachments-browser.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await browser.close();
    sink.server.close();
    await desk.stop();
  }
}

await main();
