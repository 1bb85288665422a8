// Removes identifying metadata from a photo or screenshot before it is encrypted and sent: GPS
// position, camera make/model/serial and maker notes, author/software, comments and hidden extra
// data. Pure bytes in, bytes out (no DOM, no Node), so the browser's crypto worker and the CLI
// run the same code. JPEG, PNG and WebP only, detected by their magic bytes (never by the name or
// the declared type, which the sender's system chooses). Every other type is `unsupported`: the
// UI then says that metadata may remain (PDF, office files, video…).
//
// The approach is an allow-list per format: keep what a decoder needs to display the picture and
// drop every other segment/chunk, so a metadata container this file does not know is removed
// too. Parsing walks segment by segment with bounds checks; anything malformed returns `failed`
// and the caller keeps the original bytes, telling the user it could not be cleaned.
// docs/DECISIONS.md "Attachment metadata stripping" gives the reasons (orientation included).

/** What was found and removed, for the UI ("location and camera details removed"). */
export type MetadataKind = 'location' | 'camera' | 'author' | 'comments' | 'other';

export type ImageFormat = 'jpeg' | 'png' | 'webp';

export type CleanResult =
  /** `removed` is empty when the image carried nothing to remove (the bytes are then unchanged). */
  | { status: 'cleaned'; format: ImageFormat; bytes: Uint8Array; removed: MetadataKind[] }
  /** Not a format this module cleans: metadata may remain. */
  | { status: 'unsupported' }
  /** A JPEG/PNG/WebP it could not parse, or one over the in-memory cap: send as is, or not at all. */
  | { status: 'failed'; format: ImageFormat; reason: 'malformed' | 'too_large' };

/** Images are cleaned in memory; the per-file attachment limit bounds them anyway. */
export const MAX_CLEAN_BYTES = 25 * 1024 * 1024;

class Malformed extends Error {}

/** The format by magic bytes, or null. */
export function sniffImage(b: Uint8Array): ImageFormat | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && eq(b, 0, PNG_SIGNATURE)) return 'png';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  return null;
}

/** Strips metadata from a JPEG, PNG or WebP; see the file comment. Never throws. */
export function stripMetadata(bytes: Uint8Array): CleanResult {
  const format = sniffImage(bytes);
  if (format === null) return { status: 'unsupported' };
  if (bytes.length > MAX_CLEAN_BYTES) return { status: 'failed', format, reason: 'too_large' };
  const found = new Set<MetadataKind>();
  try {
    const out = format === 'jpeg' ? cleanJpeg(bytes, found) : format === 'png' ? cleanPng(bytes, found) : cleanWebp(bytes, found);
    return { status: 'cleaned', format, bytes: found.size === 0 ? bytes : out, removed: KINDS.filter((k) => found.has(k)) };
  } catch (err) {
    if (err instanceof Malformed || err instanceof RangeError) return { status: 'failed', format, reason: 'malformed' };
    throw err;
  }
}

const KINDS: readonly MetadataKind[] = ['location', 'camera', 'author', 'comments', 'other'];

// ---- byte helpers (bounds-checked: reading past the end is Malformed) ----

function need(b: Uint8Array, end: number): void {
  if (end > b.length || end < 0) throw new Malformed();
}
function u16be(b: Uint8Array, o: number): number {
  need(b, o + 2);
  return (b[o]! << 8) | b[o + 1]!;
}
function u32be(b: Uint8Array, o: number): number {
  need(b, o + 4);
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
function u32le(b: Uint8Array, o: number): number {
  need(b, o + 4);
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
function ascii(b: Uint8Array, o: number, n: number): string {
  need(b, o + n);
  let s = '';
  for (let i = o; i < o + n; i++) s += String.fromCharCode(b[i]!);
  return s;
}
function eq(b: Uint8Array, o: number, sig: readonly number[]): boolean {
  if (o + sig.length > b.length) return false;
  return sig.every((v, i) => b[o + i] === v);
}
function startsWith(b: Uint8Array, o: number, end: number, prefix: string): boolean {
  return end - o >= prefix.length && ascii(b, o, prefix.length) === prefix;
}
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
/** Latin-1 view of a text payload (XMP, PNG text), only to look for key names. */
function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + 8192)));
  return s;
}

// ---- what a metadata block holds ----

/** TIFF/EXIF tags by what they reveal. Anything else in an EXIF block is counted as `other`. */
const TIFF_TAG_KIND: ReadonlyMap<number, MetadataKind> = new Map([
  [0x8825, 'location'], // GPS IFD pointer
  [0x010f, 'camera'], // Make
  [0x0110, 'camera'], // Model
  [0x927c, 'camera'], // MakerNote
  [0xa431, 'camera'], // BodySerialNumber
  [0xa433, 'camera'], // LensMake
  [0xa434, 'camera'], // LensModel
  [0xa435, 'camera'], // LensSerialNumber
  [0x0131, 'author'], // Software
  [0x013b, 'author'], // Artist
  [0x8298, 'author'], // Copyright
  [0xa430, 'author'], // CameraOwnerName
  [0x010e, 'comments'], // ImageDescription
  [0x9286, 'comments'], // UserComment
  [0x9c9c, 'comments'], // XPComment
]);
const EXIF_IFD_POINTER = 0x8769;
const ORIENTATION = 0x0112;

interface TiffSummary {
  kinds: Set<MetadataKind>;
  orientation: number | null;
}

/**
 * Reads IFD0 and the Exif IFD of a TIFF block to say what it reveals and which orientation it
 * sets. A block it cannot walk is still removed; it is then reported as `other` only.
 */
function readTiff(t: Uint8Array): TiffSummary {
  const summary: TiffSummary = { kinds: new Set(), orientation: null };
  try {
    const order = ascii(t, 0, 2);
    if (order !== 'II' && order !== 'MM') throw new Malformed();
    const le = order === 'II';
    const u16 = (o: number): number => (need(t, o + 2), le ? t[o]! | (t[o + 1]! << 8) : (t[o]! << 8) | t[o + 1]!);
    const u32 = (o: number): number => (le ? u32le(t, o) : u32be(t, o));
    if (u16(2) !== 42) throw new Malformed();
    const visit = (ifd: number, depth: number): void => {
      const count = u16(ifd);
      need(t, ifd + 2 + count * 12);
      for (let i = 0; i < count; i++) {
        const e = ifd + 2 + i * 12;
        const tag = u16(e);
        const kind = TIFF_TAG_KIND.get(tag);
        summary.kinds.add(kind ?? 'other');
        if (tag === ORIENTATION && depth === 0) summary.orientation = u16(e + 8);
        if (tag === EXIF_IFD_POINTER && depth === 0) visit(u32(e + 8), 1);
      }
    };
    visit(u32(4), 0);
  } catch {
    summary.kinds.add('other');
  }
  // Orientation alone is not metadata about the person; it is kept (see minimalExif).
  if (summary.orientation !== null && summary.kinds.size === 1) summary.kinds.delete('other');
  return summary;
}

/**
 * A TIFF block holding only the Orientation tag. SECURITY: this is the one value carried over
 * from the original EXIF (how the phone was held, 1 of 8 values), so a portrait photo does not
 * display sideways; everything else in the original block is dropped.
 */
function minimalTiff(orientation: number): Uint8Array {
  // "MM", 42, IFD0 at 8; one entry: tag 0x0112, type SHORT (3), count 1, value; no next IFD.
  return new Uint8Array([0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, orientation >> 8, orientation & 0xff, 0, 0, 0, 0, 0, 0]);
}
const keepOrientation = (o: number | null): o is number => o !== null && o >= 2 && o <= 8;

/** XMP packets are RDF text: look for the property families that identify someone. */
function readXmp(text: string, found: Set<MetadataKind>): void {
  if (/exif:GPS|GPSLatitude|GPSLongitude|photoshop:City|Iptc4xmpCore:Location/i.test(text)) found.add('location');
  if (/tiff:Make|tiff:Model|aux:SerialNumber|aux:Lens|exifEX:BodySerialNumber/i.test(text)) found.add('camera');
  if (/dc:creator|dc:rights|xmp:CreatorTool|photoshop:AuthorsPosition|xmpRights/i.test(text)) found.add('author');
  if (/dc:description|dc:title|exif:UserComment/i.test(text)) found.add('comments');
  found.add('other');
}

// ---- JPEG ----

const XMP_ID = 'http://ns.adobe.com/xap/1.0/\0';
const XMP_EXT_ID = 'http://ns.adobe.com/xmp/extension/\0';

function cleanJpeg(b: Uint8Array, found: Set<MetadataKind>): Uint8Array {
  const out: Uint8Array[] = [b.subarray(0, 2)];
  let orientation: number | null = null;
  let sawFrame = false;
  let p = 2;
  for (;;) {
    need(b, p + 2);
    if (b[p] !== 0xff) throw new Malformed();
    // Fill bytes (0xFF padding) may precede a marker.
    while (b[p + 1] === 0xff) {
      p++;
      need(b, p + 2);
    }
    const marker = b[p + 1]!;
    if (marker === 0xd9) {
      // EOI. SECURITY: anything after it (a "motion photo" video, a second picture, an editor's
      // trailer) is dropped: decoders stop here and nothing the user sees lives there.
      out.push(b.subarray(p, p + 2));
      if (p + 2 < b.length) found.add('other');
      break;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0x00) throw new Malformed();
    const len = u16be(b, p + 2);
    if (len < 2) throw new Malformed();
    const end = p + 2 + len;
    need(b, end);
    const body = p + 4;
    let keep: boolean;
    if (marker === 0xe1) {
      keep = false;
      if (startsWith(b, body, end, 'Exif\0\0')) {
        const t = readTiff(b.subarray(body + 6, end));
        t.kinds.forEach((k) => found.add(k));
        if (t.orientation !== null) orientation = t.orientation;
      } else if (startsWith(b, body, end, XMP_ID) || startsWith(b, body, end, XMP_EXT_ID)) readXmp(latin1(b.subarray(body, end)), found);
      else found.add('other');
    } else if (marker === 0xed) {
      // APP13: Photoshop image resources with IPTC (by-line, city, caption…).
      keep = false;
      found.add('author');
      found.add('comments');
      if (/GPS|City|Sub-location/i.test(latin1(b.subarray(body, end)))) found.add('location');
    } else if (marker === 0xfe) {
      keep = false;
      found.add('comments');
    } else if (marker === 0xe0) {
      // APP0 JFIF (pixel density) is kept; other APP0 kinds (JFXX thumbnails, AVI1) are not.
      keep = startsWith(b, body, end, 'JFIF\0');
      if (!keep) found.add('other');
    } else if (marker === 0xe2) {
      // APP2 ICC profile is kept (colours); MPF (multi-picture) and FlashPix are not.
      keep = startsWith(b, body, end, 'ICC_PROFILE\0');
      if (!keep) found.add('other');
    } else if (marker === 0xee) {
      keep = startsWith(b, body, end, 'Adobe'); // APP14: colour transform, needed to decode CMYK/YCCK.
      if (!keep) found.add('other');
    } else if (marker >= 0xe0 && marker <= 0xef) {
      keep = false;
      found.add('other');
    } else {
      // Tables, frame and scan headers, restart interval (DQT DHT DAC DRI DNL SOFn SOS EXP…).
      keep = true;
    }
    if (keep) out.push(b.subarray(p, end));
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) sawFrame = true;
    p = end;
    if (marker === 0xda) {
      // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a restart.
      let q = p;
      for (;;) {
        need(b, q + 2);
        if (b[q] === 0xff && b[q + 1] !== 0x00 && !(b[q + 1]! >= 0xd0 && b[q + 1]! <= 0xd7) && b[q + 1] !== 0xff) break;
        q++;
      }
      out.push(b.subarray(p, q));
      p = q;
    }
  }
  if (!sawFrame) throw new Malformed();
  if (keepOrientation(orientation)) {
    const seg = jpegSegment(0xe1, concat([asciiBytes('Exif\0\0'), minimalTiff(orientation)]));
    // Right after SOI (and after APP0 JFIF when present, which must come first).
    const afterJfif = out[1] && out[1][1] === 0xe0 ? 2 : 1;
    out.splice(afterJfif, 0, seg);
  }
  return concat(out);
}

/**
 * One JPEG marker segment: 0xFF, the marker, the big-endian length (the body's plus its own two
 * bytes), the body. Also what the image fixtures' builder (test/fixtures/images/build.ts) writes.
 */
export function jpegSegment(marker: number, body: Uint8Array): Uint8Array {
  const len = body.length + 2;
  return concat([new Uint8Array([0xff, marker, len >> 8, len & 0xff]), body]);
}

function asciiBytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

// ---- PNG ----

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
/** Ancillary chunks a decoder uses to display (transparency, colour, density, animation). */
const PNG_KEEP = new Set(['tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'sBIT', 'bKGD', 'pHYs', 'hIST', 'sPLT', 'acTL', 'fcTL', 'fdAT', 'cICP', 'mDCV', 'mDCv', 'cLLI', 'cLLi']);
const PNG_CRITICAL = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND']);
const PNG_AUTHOR_KEYS = /^(Author|Copyright|Software|Source|Disclaimer|Creation Time|Artist)$/i;

function cleanPng(b: Uint8Array, found: Set<MetadataKind>): Uint8Array {
  const out: Uint8Array[] = [b.subarray(0, 8)];
  let p = 8;
  let sawHeader = false;
  for (;;) {
    const len = u32be(b, p);
    const type = ascii(b, p + 4, 4);
    const end = p + 12 + len;
    need(b, end);
    if (!sawHeader && type !== 'IHDR') throw new Malformed();
    sawHeader = true;
    const data = b.subarray(p + 8, p + 8 + len);
    if (PNG_CRITICAL.has(type) || PNG_KEEP.has(type)) out.push(b.subarray(p, end));
    else if (type[0]! >= 'A' && type[0]! <= 'Z')
      throw new Malformed(); // an unknown critical chunk: not ours to judge
    else if (type === 'eXIf') {
      const t = readTiff(data);
      t.kinds.forEach((k) => found.add(k));
      if (keepOrientation(t.orientation)) out.push(pngChunk('eXIf', minimalTiff(t.orientation)));
    } else if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
      const nul = data.indexOf(0);
      const keyword = nul > 0 ? ascii(data, 0, nul) : '';
      if (keyword === 'XML:com.adobe.xmp') readXmp(latin1(data), found);
      else if (PNG_AUTHOR_KEYS.test(keyword)) found.add('author');
      else found.add('comments');
    } else found.add('other'); // tIME, caBX, dSIG, and anything else
    p = end;
    if (type === 'IEND') {
      if (p < b.length) found.add('other');
      break;
    }
  }
  return concat(out);
}

/** One PNG chunk: length, type, data, CRC-32 of type and data. Also the image fixtures' builder's. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const c = new Uint8Array(12 + data.length);
  const v = new DataView(c.buffer);
  v.setUint32(0, data.length);
  c.set(asciiBytes(type), 4);
  c.set(data, 8);
  v.setUint32(8 + data.length, crc32(c.subarray(4, 8 + data.length)));
  return c;
}

let crcTable: Uint32Array | null = null;
function crc32(b: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---- WebP ----

/** Chunks a decoder needs; EXIF, XMP and unknown chunks are dropped. */
const WEBP_KEEP = new Set(['VP8 ', 'VP8L', 'VP8X', 'ALPH', 'ANIM', 'ANMF', 'ICCP']);
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

function cleanWebp(b: Uint8Array, found: Set<MetadataKind>): Uint8Array {
  const riffEnd = 8 + u32le(b, 4);
  need(b, riffEnd);
  if (riffEnd < 12) throw new Malformed();
  if (riffEnd < b.length) found.add('other'); // bytes after the RIFF container
  const chunks: Uint8Array[] = [];
  let vp8x: Uint8Array | null = null;
  let orientation: number | null = null;
  let p = 12;
  while (p < riffEnd) {
    const type = ascii(b, p, 4);
    const len = u32le(b, p + 4);
    const end = p + 8 + len + (len & 1);
    if (end > riffEnd) throw new Malformed();
    if (WEBP_KEEP.has(type)) {
      const copy = b.slice(p, end);
      if (type === 'VP8X') {
        if (len < 10 || vp8x !== null) throw new Malformed();
        vp8x = copy;
      }
      chunks.push(copy);
    } else if (type === 'EXIF') {
      // Some writers keep the JPEG "Exif\0\0" prefix inside the chunk.
      const data = b.subarray(p + 8, p + 8 + len);
      const t = readTiff(startsWith(data, 0, data.length, 'Exif\0\0') ? data.subarray(6) : data);
      t.kinds.forEach((k) => found.add(k));
      orientation = t.orientation;
    } else if (type === 'XMP ') readXmp(latin1(b.subarray(p + 8, p + 8 + len)), found);
    else found.add('other');
    p = end;
  }
  if (chunks.length === 0) throw new Malformed();
  if (vp8x) {
    vp8x[8] = vp8x[8]! & ~(VP8X_EXIF | VP8X_XMP);
    if (keepOrientation(orientation)) {
      vp8x[8] = vp8x[8]! | VP8X_EXIF;
      const tiff = minimalTiff(orientation);
      const c = new Uint8Array(8 + tiff.length);
      c.set(asciiBytes('EXIF'), 0);
      new DataView(c.buffer).setUint32(4, tiff.length, true);
      c.set(tiff, 8);
      chunks.push(c); // tiff.length is even: no pad byte
    }
  }
  const body = concat(chunks);
  const out = new Uint8Array(12 + body.length);
  out.set(asciiBytes('RIFF'), 0);
  new DataView(out.buffer).setUint32(4, 4 + body.length, true);
  out.set(asciiBytes('WEBP'), 8);
  out.set(body, 12);
  return out;
}
