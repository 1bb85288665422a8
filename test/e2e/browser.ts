// Debian's chromium driven by playwright-core (no browser download works on our machines).
// Every page is recorded: console messages, page errors and every request of the context
// (page and crypto worker), so tests can assert on them and failures can be debugged.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject, onTestFailed } from 'vitest';

const BASE_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'];

/** Argon2id (64 MiB) and the proof-of-work run in the browser on a loaded 2-core machine. */
export const SLOW = 120_000;

export function chromiumPath(): string {
  const path = process.env.SEALDESK_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(path)) throw new Error(`chromium not found at ${path}: run scripts/ensure-chromium.sh or set SEALDESK_CHROMIUM`);
  return path;
}

export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...BASE_ARGS, ...extraArgs] });
}

export interface RecordedRequest {
  method: string;
  url: string;
}

/** A browser context with its own storage (a separate person) and everything it did. */
export interface Visitor {
  name: string;
  context: BrowserContext;
  page: Page;
  requests: RecordedRequest[];
  console: string[];
}

const live: Visitor[] = [];

/** A phone: the smallest common screen the desk must work on (issue 12). */
export const PHONE = { width: 360, height: 740 } as const;

export interface VisitorOptions {
  locale?: string;
  viewport?: { width: number; height: number };
}

export async function newVisitor(browser: Browser, name: string, opts: VisitorOptions = {}): Promise<Visitor> {
  const context = await browser.newContext({ locale: opts.locale ?? 'en-US', ...(opts.viewport ? { viewport: opts.viewport } : {}) });
  context.setDefaultTimeout(SLOW);
  const requests: RecordedRequest[] = [];
  // On the context, not the page: it also sees what the crypto worker fetches.
  context.on('request', (r) => requests.push({ method: r.method(), url: r.url() }));
  const page = await context.newPage();
  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (err) => consoleLines.push(`[pageerror] ${err.message}`));
  page.on('worker', (w) => w.on('console', (m) => consoleLines.push(`[worker ${m.type()}] ${m.text()}`)));
  const visitor = { name, context, page, requests, console: consoleLines };
  live.push(visitor);
  return visitor;
}

export async function closeVisitor(v: Visitor): Promise<void> {
  const i = live.indexOf(v);
  if (i >= 0) live.splice(i, 1);
  await v.context.close().catch(() => undefined);
}

let artifactsDir: string | null = null;

/** The suite's artefacts directory (a temp dir made on first use, printed when written to). */
function artifactsRoot(): string {
  artifactsDir ??= mkdtempSync(join(tmpdir(), 'sealdesk-e2e-artifacts-'));
  return artifactsDir;
}

/** Saves a screenshot of what the visitor sees (the viewport, as a person would) to the artefacts dir. */
export async function screenshot(v: Visitor, name: string): Promise<string> {
  const dir = join(artifactsRoot(), 'screenshots');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name.replace(/[^A-Za-z0-9_-]+/g, '-')}.png`);
  await v.page.screenshot({ path, timeout: 15_000 });
  process.stderr.write(`screenshot: ${path}\n`);
  return path;
}

/** Call at the start of a test: if it fails, its pages and the server log are dumped. */
export function reportFailures(testName: string): void {
  onTestFailed(() => dumpArtifacts(testName));
}

/** Writes each live visitor's console log, requests and a screenshot, and the server log, to a temp dir; prints the paths. */
async function dumpArtifacts(testName: string): Promise<void> {
  const dir = join(artifactsRoot(), testName.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 60));
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const v of live) {
    const log = join(dir, `${v.name}-console.txt`);
    writeFileSync(log, [`url: ${v.page.url()}`, ...v.console, '', 'requests:', ...v.requests.map((r) => `${r.method} ${r.url}`)].join('\n'));
    written.push(log);
    const shot = join(dir, `${v.name}.png`);
    try {
      await v.page.screenshot({ path: shot, fullPage: true, timeout: 15_000 });
      written.push(shot);
    } catch {
      // The page may already be closed or on about:blank.
    }
  }
  const serverLog = inject('desk').logFile;
  if (existsSync(serverLog)) {
    copyFileSync(serverLog, join(dir, 'server.log'));
    written.push(join(dir, 'server.log'));
  }
  process.stderr.write(`\ne2e artifacts for "${testName}":\n${written.map((p) => `  ${p}`).join('\n')}\n`);
}
