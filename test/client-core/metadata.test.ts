// Metadata stripping on real encoder output with camera-style metadata inserted by spec
// (test/fixtures/images/build.ts), checked with an independent EXIF reader (exifr). That the
// cleaned pictures still decode is checked in Chromium (test/e2e/attachments.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import exifr from 'exifr';
import { describe, expect, it } from 'vitest';
import { MAX_CLEAN_BYTES, sniffImage, stripMetadata, type CleanResult } from '../../client-core/metadata';

const FIXTURES = join(__dirname, '..', 'fixtures', 'images');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)));
const ALL = { tiff: true, exif: true, gps: true, xmp: true, iptc: true, icc: false, jfif: false, ihdr: true, makerNote: true, userComment: true, mergeOutput: false } as const;
const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

function cleaned(r: CleanResult): Extract<CleanResult, { status: 'cleaned' }> {
  if (r.status !== 'cleaned') throw new Error(`expected cleaned, got ${JSON.stringify(r)}`);
  return r;
}

/** Every identifying value the fixtures carry, as it appears in the bytes. */
const TELLTALES = [
  'SealdeskPhone',
  'SD-9 Pro',
  'SD9-00412877',
  'Nguyen Van A',
  'PhotoEditor 4.2',
  'Ha Noi',
  'GPSLatitude',
  'MAKERNOTE',
  'Hoan Kiem',
  'phishing SMS',
  'ScreenGrab',
  'MotionPhoto',
];
function expectNoTelltales(b: Uint8Array): void {
  const text = latin1(b);
  for (const t of TELLTALES) expect(text, t).not.toContain(t);
}

/** The RIFF chunks of a WebP, in order. */
function webpChunks(b: Uint8Array): { type: string; data: Uint8Array }[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: { type: string; data: Uint8Array }[] = [];
  for (let p = 12; p < b.length;) {
    const len = dv.getUint32(p + 4, true);
    out.push({ type: latin1(b.subarray(p, p + 4)), data: b.subarray(p + 8, p + 8 + len) });
    p += 8 + len + (len & 1);
  }
  return out;
}

describe('stripMetadata: JPEG', () => {
  it('given a phone photo with GPS, camera, author, IPTC, XMP, a comment and a trailer, removes them all and says so', async () => {
    const original = fixture('photo-gps.jpg');
    // Given: the fixture really carries what a camera writes
    expect(await exifr.gps(original)).toMatchObject({ latitude: expect.closeTo(21.0285, 3), longitude: expect.closeTo(105.8542, 3) });
    const before = await exifr.parse(original, ALL);
    expect(before.ifd0).toMatchObject({ Make: 'SealdeskPhone', Model: 'SD-9 Pro', Software: 'PhotoEditor 4.2', Artist: 'Nguyen Van A' });
    expect(before.iptc).toBeDefined();

    // When
    const r = cleaned(stripMetadata(original));

    // Then: an independent reader finds nothing, and the identifying strings are gone
    expect(r.format).toBe('jpeg');
    expect(r.removed).toEqual(['location', 'camera', 'author', 'comments', 'other']);
    expect(await exifr.gps(r.bytes)).toBeUndefined();
    const after = (await exifr.parse(r.bytes, ALL)) ?? {};
    expect(after.ifd0).toBeUndefined();
    expect(after.exif).toBeUndefined();
    expect(after.gps).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.iptc).toBeUndefined();
    expectNoTelltales(r.bytes);
    // and the picture's own bytes (tables, frame, scan) are untouched: the image is the same
    const sos = (b: Uint8Array): number => latin1(b).indexOf('\xff\xda');
    const o = original.subarray(sos(original));
    const c = r.bytes.subarray(sos(r.bytes));
    expect(c.length).toBeGreaterThan(100);
    expect(Buffer.from(c).equals(Buffer.from(o.subarray(0, c.length)))).toBe(true);
    expect([...r.bytes.subarray(-2)]).toEqual([0xff, 0xd9]);
  });

  it('keeps only the orientation of a rotated photo, so it still displays upright', async () => {
    const r = cleaned(stripMetadata(fixture('photo-gps-rotated.jpg')));
    const after = await exifr.parse(r.bytes, ALL);
    expect(after.ifd0).toEqual({ Orientation: 'Rotate 90 CW' });
    expect(after.exif).toBeUndefined();
    expect(after.gps).toBeUndefined();
    expect(r.removed).toContain('location');
    expectNoTelltales(r.bytes);
  });

  it('leaves a JPEG without metadata byte-identical and reports nothing removed', () => {
    const once = cleaned(stripMetadata(fixture('photo-gps.jpg')));
    const twice = cleaned(stripMetadata(once.bytes));
    expect(twice.removed).toEqual([]);
    expect(twice.bytes).toBe(once.bytes);
  });
});

describe('stripMetadata: PNG', () => {
  it('removes eXIf, tEXt, zTXt, iTXt (XMP) and tIME from a screenshot', async () => {
    const original = fixture('screenshot-text.png');
    expect(await exifr.gps(original)).toBeDefined();
    const r = cleaned(stripMetadata(original));
    expect(r.format).toBe('png');
    expect(r.removed).toEqual(['location', 'camera', 'author', 'comments', 'other']);
    expect(await exifr.gps(r.bytes)).toBeUndefined();
    const after = await exifr.parse(r.bytes, ALL);
    expect(after.ihdr).toMatchObject({ ImageWidth: 120, ImageHeight: 80 });
    expect(after.ihdr.Author).toBeUndefined();
    expect(after.ihdr.Comment).toBeUndefined();
    expect(after.ifd0).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    const text = latin1(r.bytes);
    for (const chunk of ['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']) expect(text).not.toContain(chunk);
    for (const chunk of ['IHDR', 'IDAT', 'IEND']) expect(text).toContain(chunk);
    expectNoTelltales(r.bytes);
  });
});

describe('stripMetadata: WebP', () => {
  it('removes the EXIF and XMP chunks, clears their VP8X flags and fixes the RIFF size', async () => {
    const original = fixture('photo-gps.webp');
    const exifChunk = webpChunks(original).find((c) => c.type === 'EXIF')!;
    // exifr does not read WebP; it reads the EXIF chunk's TIFF block directly.
    expect(await exifr.gps(exifChunk.data)).toBeDefined();

    const r = cleaned(stripMetadata(original));
    expect(r.format).toBe('webp');
    expect(r.removed).toEqual(['location', 'camera', 'author', 'comments', 'other']);
    const chunks = webpChunks(r.bytes);
    expect(chunks.map((c) => c.type)).toEqual(['VP8X', 'ICCP', 'VP8 ']);
    expect(chunks[0]!.data[0]! & 0x0c).toBe(0);
    expect(chunks[0]!.data[0]! & 0x20).toBe(0x20); // the ICC flag stays
    expect(new DataView(r.bytes.buffer, r.bytes.byteOffset).getUint32(4, true)).toBe(r.bytes.length - 8);
    expectNoTelltales(r.bytes);
  });
});

describe('stripMetadata: what it does not clean', () => {
  it('says a PDF (or any non-image) is unsupported, whatever it claims to be', () => {
    expect(stripMetadata(fixture('note.pdf'))).toEqual({ status: 'unsupported' });
    expect(stripMetadata(new Uint8Array(0))).toEqual({ status: 'unsupported' });
    expect(sniffImage(fixture('note.pdf'))).toBeNull();
  });

  it('refuses to clean an image over the in-memory cap rather than hold it', () => {
    const big = new Uint8Array(MAX_CLEAN_BYTES + 1);
    big.set([0xff, 0xd8, 0xff]);
    expect(stripMetadata(big)).toEqual({ status: 'failed', format: 'jpeg', reason: 'too_large' });
  });

  it('says "could not clean" for a truncated file instead of crashing or returning half of it', () => {
    for (const name of ['photo-gps.jpg', 'screenshot-text.png', 'photo-gps.webp']) {
      const b = fixture(name);
      expect(stripMetadata(b.subarray(0, Math.floor(b.length / 2))).status, name).toBe('failed');
    }
  });
});

describe('stripMetadata: fuzzed input', () => {
  // A small deterministic PRNG (xorshift32): failures reproduce.
  let seed = 0x5eed1234;
  const rand = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };

  it('never throws on truncations and byte flips, and never lets the GPS block through when it says cleaned', async () => {
    for (const name of ['photo-gps.jpg', 'screenshot-text.png', 'photo-gps.webp']) {
      const original = fixture(name);
      for (let i = 0; i < 300; i++) {
        const b = original.slice(0, i % 3 === 0 ? rand(original.length) : original.length);
        const flips = 1 + rand(8);
        for (let f = 0; f < flips && b.length > 0; f++) b[rand(b.length)] = rand(256);
        const r = stripMetadata(b);
        expect(['cleaned', 'failed', 'unsupported']).toContain(r.status);
        if (r.status === 'cleaned' && r.removed.length > 0) expect(latin1(r.bytes), `${name} #${i}`).not.toContain('SD9-00412877');
      }
    }
  });
});
