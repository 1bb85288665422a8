// The staff and admin console is a lazily loaded chunk (issue 12 §2): a requester's visit never
// downloads it, a staff page loads it, and it is loaded with integrity — a changed chunk file is
// refused by the browser, not run. Runs against the suite's desk and against a tampered copy
// of the same build served with the desk's own static plugin and headers.
import { appendFileSync, cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { helmetHeaders } from '../../server/plugins/external/helmet';
import staticPlugin from '../../server/plugins/external/static';
import { closeVisitor, launchBrowser, newVisitor, PHONE, reportFailures, screenshot } from './browser';

const DIST = new URL('../../client/dist/', import.meta.url).pathname;
const isConsoleChunk = (url: string) => /\/assets\/pages-[\w-]+\.js$/.test(url);

let browser: Browser;
let tampered: FastifyInstance;
let tamperedUrl: string;
let tamperedDir: string;

beforeAll(async () => {
  browser = await launchBrowser();
  // The same build, with one byte more in the console chunk (and its compressed copies gone, so
  // the changed file is what is served): what a changed file on disk or a meddling proxy gives.
  tamperedDir = mkdtempSync(join(tmpdir(), 'sealdesk-tampered-'));
  cpSync(DIST, tamperedDir, { recursive: true });
  const chunk = readdirSync(join(tamperedDir, 'assets')).find((f) => /^pages-[\w-]+\.js$/.test(f))!;
  appendFileSync(join(tamperedDir, 'assets', chunk), '\n');
  for (const ext of ['.br', '.gz']) rmSync(join(tamperedDir, 'assets', `${chunk}${ext}`), { force: true });
  writeFileSync(join(tamperedDir, 'TAMPERED'), chunk);
  tampered = Fastify();
  const headers = await helmetHeaders();
  tampered.addHook('onRequest', async (_request, reply) => {
    reply.headers(headers);
  });
  await tampered.register(staticPlugin, { clientDist: tamperedDir });
  tampered.setNotFoundHandler((_request, reply) => tampered.sendSpaShell(reply));
  tamperedUrl = await tampered.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await browser?.close();
  await tampered?.close();
  if (tamperedDir) rmSync(tamperedDir, { recursive: true, force: true });
});

describe('the lazy staff console', () => {
  it('is not downloaded on a requester\u2019s visit, and is on a staff page', async () => {
    reportFailures('lazy console requester and staff');
    const v = await newVisitor(browser, 'requester', { viewport: PHONE });
    try {
      await v.page.goto(`${inject('desk').url}/`);
      await v.page.locator('main h1').waitFor();
      await v.page.goto(`${inject('desk').url}/#/new`);
      await v.page.locator('main h1').waitFor();
      expect(v.requests.filter((r) => isConsoleChunk(r.url))).toEqual([]);

      await v.page.goto(`${inject('desk').url}/#/staff/login`);
      await v.page.locator('[data-test="staff-login-form"]').waitFor();
      expect(v.requests.filter((r) => isConsoleChunk(r.url))).toHaveLength(1);
      await screenshot(v, 'lazy-console-staff-login');
    } finally {
      await closeVisitor(v);
    }
  });

  it('refuses a console chunk that does not match its integrity, and says the page could not load', async () => {
    reportFailures('lazy console tampered');
    const v = await newVisitor(browser, 'tampered', { viewport: PHONE });
    try {
      await v.page.goto(`${tamperedUrl}/#/staff/login`);
      await v.page.locator('[data-test="staff-pages-failed"]').waitFor();
      // The changed file was fetched, and refused: its code never ran
      expect(v.requests.filter((r) => isConsoleChunk(r.url)).length).toBeGreaterThanOrEqual(1);
      expect(await v.page.locator('[data-test="staff-login-form"]').count()).toBe(0);
      // Trying again does not fall back to an unchecked import
      await v.page.locator('[data-test="staff-pages-retry"]').click();
      await v.page.locator('[data-test="staff-pages-failed"]').waitFor();
      expect(await v.page.locator('[data-test="staff-login-form"]').count()).toBe(0);
      expect(v.console.join('\n')).toMatch(/integrity/i);
      await screenshot(v, 'lazy-console-tampered');
    } finally {
      await closeVisitor(v);
    }
  });
});
