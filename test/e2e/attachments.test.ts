// Issue 11 in Chromium against the real server process: a requester attaches a phone photo that
// carries GPS EXIF and a PDF to a new request; staff see the photo inline and download the PDF;
// the photo staff get has no EXIF/GPS left (checked with exifr) and still decodes; staff answer
// with a file the requester downloads. Then the same without WebAssembly, and a 25 MiB upload
// that loses its connection half-way and resumes without re-sending the chunks already stored.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import exifr from 'exifr';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stripMetadata } from '../../client-core/metadata';
import { closeVisitor, launchBrowser, newVisitor, PHONE, reportFailures, screenshot, SLOW, type Visitor } from './browser';
import { confirmAndSend, hook, idle, returnWithPassphrase, staffLogin } from './flows';

const FIXTURES = join(__dirname, '..', 'fixtures', 'images');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
const PHOTO = { name: 'photo-gps.jpg', mimeType: 'image/jpeg', buffer: fixture('photo-gps.jpg') };
const PDF = { name: 'note.pdf', mimeType: 'application/pdf', buffer: fixture('note.pdf') };
const LOG = { name: 'android-log.txt', mimeType: 'text/plain', buffer: Buffer.from('12-01 10:02:11 I/PackageManager: installed com.example.flashlight (unknown source)\n') };
const ALL_TAGS = { tiff: true, exif: true, gps: true, xmp: true, iptc: true, makerNote: true, userComment: true, mergeOutput: false } as const;

const desk = inject('desk');
const browsers: Browser[] = [];

beforeAll(async () => {
  browsers.push(await launchBrowser());
});
afterAll(async () => {
  for (const b of browsers) await b.close();
});

/** The new-request form with files attached; returns the passphrase words. */
async function fileWithAttachments(v: Visitor, subject: string, files: { name: string; mimeType: string; buffer: Buffer }[], shot?: string): Promise<string[]> {
  const page = v.page;
  await hook(page, 'start-new').click();
  await hook(page, 'new-category').selectOption('phishing');
  await hook(page, 'new-subject').fill(subject);
  await hook(page, 'new-body').fill('The photo of the letter and the PDF they sent me.');
  await hook(page, 'attach-input').setInputFiles(files);
  await expect.poll(() => hook(page, 'attach-picked-item').count()).toBe(files.length);
  // The form says what will be removed from a photo, and that a PDF may keep its metadata
  if (files.some((f) => f.mimeType === 'image/jpeg')) expect(await hook(page, 'attach-removed').innerText()).toMatch(/location.*camera details/);
  if (files.some((f) => f.mimeType === 'application/pdf')) expect(await hook(page, 'attach-metadata-may-remain').count()).toBe(1);
  if (shot) {
    await hook(page, 'attach').scrollIntoViewIfNeeded();
    await screenshot(v, shot);
  }
  await hook(page, 'new-continue').click();
  const items = hook(page, 'passphrase-words').locator('li');
  await items.first().waitFor();
  return (await items.allInnerTexts()).map((w) => w.trim());
}

/** Waits until this browser's uploads all finished and none failed. */
async function uploadsDone(page: Page, count: number): Promise<void> {
  await expect.poll(() => hook(page, 'attach-upload-done').count(), { timeout: SLOW }).toBe(count);
  expect(await hook(page, 'attach-upload-failed').count()).toBe(0);
}

/** Waits until a file is in the ticket's list, complete (its upload from a reply has finished). */
async function fileListed(page: Page, name: string): Promise<void> {
  await page.locator(`[data-test="attachment"][data-name="${name}"]`).waitFor({ timeout: SLOW });
  expect(await hook(page, 'attach-upload-failed').count()).toBe(0);
}

/** Clicks a file's Download button and returns the saved bytes and suggested name. */
async function download(page: Page, name: string): Promise<{ bytes: Buffer; filename: string }> {
  const item = hook(page, 'attachment').filter({ has: page.locator(`[data-test="attachment-name"]:text-is("${name}")`) });
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: SLOW }), item.locator('[data-test="attachment-download"]').click()]);
  return { bytes: readFileSync((await dl.path())!), filename: dl.suggestedFilename() };
}

async function openStaffTicket(staff: Visitor, subject: string): Promise<void> {
  const row = hook(staff.page, 'staff-queue-item').filter({ hasText: subject });
  await expect.poll(() => row.count(), { timeout: SLOW }).toBe(1);
  await row.click();
  await expect.poll(() => hook(staff.page, 'staff-ticket-subject').innerText(), { timeout: SLOW }).toBe(subject);
}

/** The preview <img> of a file: decoded by the browser, with its natural size. */
async function previewSize(page: Page): Promise<{ w: number; h: number }> {
  const img = hook(page, 'attachment-preview').first();
  await img.waitFor({ timeout: SLOW });
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0), { timeout: SLOW }).toBe(true);
  return img.evaluate((el: HTMLImageElement) => ({ w: el.naturalWidth, h: el.naturalHeight }));
}

describe('cleaned pictures still display', () => {
  it('Chromium decodes every cleaned fixture, and the rotated photo still displays upright', async () => {
    reportFailures('attachments-decode');
    const v = await newVisitor(browsers[0]!, 'decode');
    for (const [name, type, size] of [
      ['photo-gps.jpg', 'image/jpeg', { w: 120, h: 80 }],
      ['photo-gps-rotated.jpg', 'image/jpeg', { w: 80, h: 120 }],
      ['screenshot-text.png', 'image/png', { w: 120, h: 80 }],
      ['photo-gps.webp', 'image/webp', { w: 120, h: 80 }],
    ] as const) {
      const r = stripMetadata(new Uint8Array(fixture(name)));
      expect(r.status, name).toBe('cleaned');
      if (r.status !== 'cleaned') continue;
      const url = `data:${type};base64,${Buffer.from(r.bytes).toString('base64')}`;
      const shown = await v.page.evaluate(
        (src) =>
          new Promise<{ w: number; h: number }>((resolve, reject) => {
            const img = new Image();
            img.onload = () => resolve({ w: img.naturalWidth, h: img.naturalHeight });
            img.onerror = () => reject(new Error('did not decode'));
            img.src = src;
          }),
        url,
      );
      // naturalWidth/Height follow the EXIF orientation: the kept Orientation tag still applies.
      expect(shown, name).toEqual(size);
    }
    await closeVisitor(v);
  });
});

describe('attachments between a requester and staff', () => {
  let requester: Visitor;
  let words: string[];
  const subject = 'Letter from the police, photo attached';

  it('a requester attaches a GPS-tagged photo and a PDF; staff see the photo inline, without EXIF, and download the PDF; staff reply with a file the requester downloads', async () => {
    reportFailures('attachments-journey');
    const browser = browsers[0]!;

    // Given a requester on a phone who attaches a photo with GPS EXIF and a PDF
    requester = await newVisitor(browser, 'requester', { viewport: PHONE });
    await requester.page.goto(`${desk.url}/`);
    words = await fileWithAttachments(requester, subject, [PHOTO, PDF], 'attach-picker-en');

    // When the request is sent, the files upload after it
    await confirmAndSend(requester.page, words);
    await uploadsDone(requester.page, 2);
    // The worker sent them: chunk PUTs went to this ticket's attachments
    expect(requester.requests.some((r) => r.method === 'PUT' && /\/api\/tickets\/[^/]+\/attachments\/[^/]+\/chunks\/\d+$/.test(r.url))).toBe(true);

    // Then staff see the photo inline; it decodes
    const staff = await newVisitor(browser, 'staff');
    await staffLogin(staff.page, desk.url);
    await openStaffTicket(staff, subject);
    expect(await previewSize(staff.page)).toEqual({ w: 120, h: 80 });
    expect(await hook(staff.page, 'attachment').count()).toBe(2);
    // The PDF is not previewed: it carries the safe-environment warning and a download button
    const pdfItem = hook(staff.page, 'attachment').filter({ hasText: 'note.pdf' });
    expect(await pdfItem.locator('[data-test="attachment-warning"]').count()).toBe(1);
    expect(await pdfItem.locator('img').count()).toBe(0);
    await hook(staff.page, 'attachments').scrollIntoViewIfNeeded();
    await screenshot(staff, 'attach-staff-ticket-en');

    // And the photo they get has no EXIF, GPS, XMP or IPTC left, but is the same picture
    const photo = await download(staff.page, PHOTO.name);
    expect(photo.filename).toBe(PHOTO.name);
    expect(await exifr.gps(PHOTO.buffer)).toBeDefined(); // the original did carry GPS
    expect(await exifr.gps(photo.bytes)).toBeUndefined();
    const tags = (await exifr.parse(photo.bytes, ALL_TAGS)) ?? {};
    expect(Object.keys(tags).filter((k) => ['ifd0', 'exif', 'gps', 'xmp', 'iptc', 'makerNote'].includes(k))).toEqual([]);
    expect(photo.bytes.toString('latin1')).not.toContain('SealdeskPhone');
    expect(Buffer.compare(photo.bytes, Buffer.from((stripMetadata(new Uint8Array(PHOTO.buffer)) as { bytes: Uint8Array }).bytes))).toBe(0);

    // And the PDF downloads byte for byte, as a file (never opened)
    const pdf = await download(staff.page, PDF.name);
    expect(pdf.filename).toBe(PDF.name);
    expect(Buffer.compare(pdf.bytes, PDF.buffer)).toBe(0);

    // When staff reply with a text and a file
    await hook(staff.page, 'staff-reply-body').fill('Thanks. Here is what we found in the log you described.');
    await hook(staff.page, 'attach-input').setInputFiles([LOG]);
    await hook(staff.page, 'attach-metadata-may-remain').waitFor();
    await hook(staff.page, 'staff-reply-send').click();
    await fileListed(staff.page, LOG.name);
    await idle(staff.page);

    // Then the requester, back later in Vietnamese with the passphrase, downloads it
    const returning = await newVisitor(browser, 'returning', { locale: 'vi-VN', viewport: PHONE });
    await returning.page.goto(`${desk.url}/`);
    await returnWithPassphrase(returning.page, words);
    await hook(returning.page, 'ticket-item').filter({ hasText: subject }).click();
    await expect.poll(() => hook(returning.page, 'attachment').count(), { timeout: SLOW }).toBe(3);
    expect(await previewSize(returning.page)).toEqual({ w: 120, h: 80 });
    const log = await download(returning.page, LOG.name);
    expect(Buffer.compare(log.bytes, LOG.buffer)).toBe(0);
    await hook(returning.page, 'attachments').scrollIntoViewIfNeeded();
    await screenshot(returning, 'attach-thread-vi');
    // Every file shows its uploader's verified signature: none is marked untrusted
    expect(await returning.page.locator('[data-test="attachment"][data-state="bad"]').count()).toBe(0);
    await closeVisitor(returning);
    await closeVisitor(staff);
  });

  it('a 25 MiB upload that loses its connection half-way resumes and sends only the missing chunks', async () => {
    reportFailures('attachments-resume');
    // Given the requester still in their thread, signed in
    const page = requester.page;
    await page.goto(`${desk.url}/#/tickets`);
    await hook(page, 'ticket-item').filter({ hasText: subject }).click();
    await hook(page, 'reply-form').waitFor();

    // And a connection that drops after a dozen chunks and stays down until the client gives up
    // its per-chunk retries and resumes (asks the server what it holds): a drop of fixed length
    // could end inside the retries' backoff on a slow machine, and then nothing would resume.
    const stored = new Map<number, number>(); // index → times the server answered 2xx
    let dropped = 0;
    let statusCallsAfterDrop = 0;
    let ok = 0;
    await requester.context.route(/\/api\/tickets\/[^/]+\/attachments\/[^/]+(\/chunks\/\d+)?$/, async (route) => {
      const req = route.request();
      const chunk = /\/chunks\/(\d+)$/.exec(req.url());
      if (!chunk) {
        if (req.method() === 'GET' && dropped > 0) statusCallsAfterDrop++;
        return route.continue();
      }
      if (req.method() !== 'PUT') return route.continue();
      if (ok >= 12 && statusCallsAfterDrop === 0) {
        dropped++;
        return route.abort('internetdisconnected');
      }
      const res = await route.fetch();
      if (res.ok()) {
        ok++;
        const i = Number(chunk[1]);
        stored.set(i, (stored.get(i) ?? 0) + 1);
      }
      return route.fulfill({ response: res });
    });

    // When a 25 MiB file is attached to a reply and sent
    const big = Buffer.alloc(25 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    await hook(page, 'attach-input').setInputFiles([{ name: 'phone-backup.bin', mimeType: 'application/octet-stream', buffer: big }]);
    await hook(page, 'reply-send').click();

    // Then it says the connection was lost, and then finishes by itself
    await expect.poll(() => dropped, { timeout: SLOW }).toBeGreaterThan(0);
    await hook(page, 'attach-uploads').scrollIntoViewIfNeeded();
    await screenshot(requester, 'attach-resume-en');
    await fileListed(page, 'phone-backup.bin');
    await requester.context.unroute(/\/api\/tickets\/[^/]+\/attachments\/[^/]+(\/chunks\/\d+)?$/);

    // And every chunk reached the server exactly once: nothing stored was sent again
    const indices = [...stored.keys()].sort((a, b) => a - b);
    expect(indices.length).toBeGreaterThan(12);
    expect(indices).toEqual(indices.map((_, i) => i));
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
    // The resume asked the server which chunks it holds
    expect(statusCallsAfterDrop).toBeGreaterThan(0);

    // And the file is whole: staff-free check, the requester downloads it back
    await page.goto('about:blank');
    await page.goto(`${desk.url}/`);
    await returnWithPassphrase(page, words);
    await hook(page, 'ticket-item').filter({ hasText: subject }).click();
    const back = await download(page, 'phone-backup.bin');
    expect(back.bytes.length).toBe(big.length);
    expect(Buffer.compare(back.bytes, big)).toBe(0);
    await closeVisitor(requester);
  });
});

describe('attachments without WebAssembly', () => {
  const NO_WASM = 'delete globalThis.WebAssembly;\n';

  /** As test/e2e/no-wasm.test.ts: the worker script is served with WebAssembly removed first. */
  async function withoutWasm(context: BrowserContext): Promise<void> {
    await context.addInitScript(NO_WASM);
    await context.route(/\/assets\/worker-[\w-]+\.js$/, async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, body: NO_WASM + (await res.text()) });
    });
  }

  it('jitless (no JIT, no WebAssembly, like Tor "safer"): the worker finds the photo\'s metadata, in Vietnamese', async () => {
    reportFailures('attachments-jitless');
    const browser = await launchBrowser(['--js-flags=--jitless']);
    browsers.push(browser);
    const v = await newVisitor(browser, 'jitless', { locale: 'vi-VN', viewport: PHONE });
    await v.page.goto(`${desk.url}/#/new`);
    expect(await v.page.evaluate(() => typeof WebAssembly)).toBe('undefined');
    await hook(v.page, 'attach-input').setInputFiles([PHOTO, PDF]);
    await hook(v.page, 'attach-removed').waitFor({ timeout: SLOW });
    expect(await hook(v.page, 'attach-removed').innerText()).toMatch(/vị trí.*thông tin máy ảnh/);
    expect(await hook(v.page, 'attach-metadata-may-remain').count()).toBe(1);
    await hook(v.page, 'attach').scrollIntoViewIfNeeded();
    await screenshot(v, 'attach-picker-vi-jitless');
    // Removing a file before sending
    await hook(v.page, 'attach-remove').first().click();
    expect(await hook(v.page, 'attach-picked-item').count()).toBe(1);
    await closeVisitor(v);
  });

  it('a requester without WebAssembly files a request with a photo; staff see it, cleaned', async () => {
    reportFailures('attachments-no-wasm');
    const browser = browsers[0]!;
    const v = await newVisitor(browser, 'no-wasm');
    await withoutWasm(v.context);
    await v.page.goto(`${desk.url}/`);
    const subject = 'No WebAssembly here: photo of the SMS';
    const words = await fileWithAttachments(v, subject, [PHOTO]);
    await confirmAndSend(v.page, words);
    await uploadsDone(v.page, 1);
    expect(await v.page.evaluate(() => typeof WebAssembly)).toBe('undefined');

    const staff = await newVisitor(browser, 'staff-no-wasm');
    await staffLogin(staff.page, desk.url);
    await openStaffTicket(staff, subject);
    expect(await previewSize(staff.page)).toEqual({ w: 120, h: 80 });
    const photo = await download(staff.page, PHOTO.name);
    expect(await exifr.gps(photo.bytes)).toBeUndefined();
    await closeVisitor(staff);
    await closeVisitor(v);
  });
});
