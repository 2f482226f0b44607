import { createRequire } from 'node:module';
import { tiffOf } from './metadata.js';

/**
 * imagor's /meta `exif` map. libvips turns each EXIF entry into a string `value (description,
 * Format, N components, M bytes)`; imagor keeps the text before the first ` (`, trimmed, under the
 * tag's libexif name. `value` is the text of an ASCII entry, the raw numbers of a numeric entry with
 * fewer than 10 components (`72/1`, `368640/65536`, `55/1 43/1 5287/100`), and libexif's description
 * otherwise (`Exif Version 2.21`, `Y Cb Cr -`, `2.2.0.0`).
 */

const require = createRequire(import.meta.url);
const TAGS = require('exif-reader/tags.js') as Record<
  'Image' | 'Photo' | 'GPSInfo' | 'Iop',
  Record<number, string>
>;

/** libexif names that differ from the exiv2 names of exif-reader's table. */
const LIBEXIF_NAMES: Record<number, string> = {
  0x9290: 'SubsecTime',
  0x8827: 'ISOSpeedRatings',
};

const EXTRA_NAMES: Record<number, string> = { 0xea1c: 'Padding' };

/** Entries libexif does not list: the pointers, the thumbnail's offset/length, tags it does not know. */
const POINTERS = new Set([0x8769, 0x8825, 0xa005]);
const UNLISTED = new Set([0x000b, 0x0201, 0x0202]);

/**
 * Entries libexif adds on load when they are missing (libvips reads EXIF with libexif's
 * specification fix-up on), with their default values.
 */
const IFD0_DEFAULTS: [string, string][] = [
  ['XResolution', '72/1'],
  ['YResolution', '72/1'],
  ['ResolutionUnit', '2'],
];
const EXIF_DEFAULTS: [string, string][] = [
  ['ExifVersion', 'Exif Version 2.1'],
  ['FlashpixVersion', 'FlashPix Version 1.0'],
  ['ColorSpace', '65535'],
];
const EXIF_POINTER = 0x8769;
const GPS_POINTER = 0x8825;
const INTEROP_POINTER = 0xa005;

const BYTE = 1;
const ASCII = 2;
const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;
const SBYTE = 6;
const UNDEFINED = 7;
const SSHORT = 8;
const SLONG = 9;
const SRATIONAL = 10;
const FLOAT = 11;
const DOUBLE = 12;
const SIZES: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
};

interface Entry {
  tag: number;
  type: number;
  count: number;
  data: Buffer;
}

interface Reader {
  tiff: Buffer;
  le: boolean;
}

function u16(r: Reader, o: number): number {
  return r.le ? r.tiff.readUInt16LE(o) : r.tiff.readUInt16BE(o);
}
function u32(r: Reader, o: number): number {
  return r.le ? r.tiff.readUInt32LE(o) : r.tiff.readUInt32BE(o);
}

/** The entries of the IFD at `offset` and the offset of the next IFD (0 when none). */
function readIfd(r: Reader, offset: number): { entries: Entry[]; next: number } {
  const entries: Entry[] = [];
  if (offset < 8 || offset + 2 > r.tiff.length) return { entries, next: 0 };
  const n = u16(r, offset);
  for (let i = 0; i < n; i++) {
    const e = offset + 2 + i * 12;
    if (e + 12 > r.tiff.length) break;
    const tag = u16(r, e);
    const type = u16(r, e + 2);
    const count = u32(r, e + 4);
    const size = (SIZES[type] ?? 0) * count;
    if (size === 0 || size > r.tiff.length) continue;
    const at = size <= 4 ? e + 8 : u32(r, e + 8);
    if (at + size > r.tiff.length) continue;
    entries.push({ tag, type, count, data: r.tiff.subarray(at, at + size) });
  }
  const nextAt = offset + 2 + n * 12;
  const next = nextAt + 4 <= r.tiff.length ? u32(r, nextAt) : 0;
  return { entries, next };
}

function num(r: Reader, e: Entry, i: number): string {
  const d = e.data;
  const le = r.le;
  switch (e.type) {
    case SHORT:
      return String(le ? d.readUInt16LE(i * 2) : d.readUInt16BE(i * 2));
    case SSHORT:
      return String(le ? d.readInt16LE(i * 2) : d.readInt16BE(i * 2));
    case LONG:
      return String(le ? d.readUInt32LE(i * 4) : d.readUInt32BE(i * 4));
    case SLONG:
      return String(le ? d.readInt32LE(i * 4) : d.readInt32BE(i * 4));
    case RATIONAL: {
      const a = le ? d.readUInt32LE(i * 8) : d.readUInt32BE(i * 8);
      const b = le ? d.readUInt32LE(i * 8 + 4) : d.readUInt32BE(i * 8 + 4);
      return `${a}/${b}`;
    }
    case SRATIONAL: {
      const a = le ? d.readInt32LE(i * 8) : d.readInt32BE(i * 8);
      const b = le ? d.readInt32LE(i * 8 + 4) : d.readInt32BE(i * 8 + 4);
      return `${a}/${b}`;
    }
    default:
      return '';
  }
}

const EXIF_VERSIONS: Record<string, string> = {
  '0110': 'Exif Version 1.1',
  '0120': 'Exif Version 1.2',
  '0200': 'Exif Version 2.0',
  '0210': 'Exif Version 2.1',
  '0220': 'Exif Version 2.2',
  '0221': 'Exif Version 2.21',
  '0230': 'Exif Version 2.3',
};
const FLASHPIX_VERSIONS: Record<string, string> = {
  '0100': 'FlashPix Version 1.0',
  '0101': 'FlashPix Version 1.01',
};
const COMPONENTS = ['-', 'Y', 'Cb', 'Cr', 'R', 'G', 'B'];

/** libexif's description of the entries libvips prints that way (BYTE, UNDEFINED, long lists). */
function described(r: Reader, e: Entry, ifd: 'Image' | 'Photo' | 'GPSInfo' | 'Iop'): string {
  const d = e.data;
  if (ifd === 'GPSInfo' && e.tag === 0x0000 && e.type === BYTE && e.count === 4) return [...d].join('.');
  if (ifd === 'GPSInfo' && e.tag === 0x0005 && e.type === BYTE) {
    return d[0] === 0
      ? 'Sea level'
      : d[0] === 1
        ? 'Sea level reference'
        : `Internal error (unknown value ${d[0]})`;
  }
  if (ifd === 'Photo') {
    switch (e.tag) {
      case 0x9000:
        return EXIF_VERSIONS[d.toString('latin1', 0, 4)] ?? 'Unknown Exif Version';
      case 0xa000:
        return FLASHPIX_VERSIONS[d.toString('latin1', 0, 4)] ?? 'Unknown FlashPix Version';
      case 0x9101:
        return [...d.subarray(0, 4)].map((b) => COMPONENTS[b] ?? 'Reserved').join(' ');
      case 0xa300:
        return d[0] === 3 ? 'DSC' : `Internal error (unknown value ${d[0]})`;
      case 0xa301:
        return d[0] === 1 ? 'Directly photographed' : `Internal error (unknown value ${d[0]})`;
      case 0x9286:
        return userComment(d);
    }
  }
  if (ifd === 'Iop' && e.tag === 0x0002 && e.type === UNDEFINED) return printable(d);
  if (ifd === 'Image' && e.tag >= 0x9c9b && e.tag <= 0x9c9f && e.type === BYTE) {
    return d.toString('utf16le').replace(/\0+$/, '');
  }
  if (e.type === UNDEFINED) return `${e.count} bytes undefined data`;
  if (e.type === BYTE || e.type === SBYTE) {
    return [...d].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ');
  }
  if (e.type === FLOAT || e.type === DOUBLE) {
    const size = SIZES[e.type] ?? 4;
    const vals: string[] = [];
    for (let i = 0; i < e.count; i++) {
      const v =
        e.type === FLOAT
          ? r.le
            ? d.readFloatLE(i * size)
            : d.readFloatBE(i * size)
          : r.le
            ? d.readDoubleLE(i * size)
            : d.readDoubleBE(i * size);
      vals.push(v.toFixed(6));
    }
    return vals.join(', ');
  }
  // 10 or more numbers: libexif lists them separated by commas
  return Array.from({ length: e.count }, (_, i) => num(r, e, i)).join(', ');
}

function printable(d: Buffer): string {
  return d.toString('latin1').replace(/\0.*$/s, '');
}

function userComment(d: Buffer): string {
  if (d.length < 8) return '';
  const code = d.toString('latin1', 0, 8);
  const body = d.subarray(8);
  if (code.startsWith('ASCII') || code === '\0\0\0\0\0\0\0\0') return printable(body).trim();
  if (code.startsWith('UNICODE')) return body.toString('utf16le').replace(/\0+$/, '').trim();
  return printable(body).trim();
}

/** What libvips prints before the ` (description, ...)` part. */
function vipsValue(r: Reader, e: Entry, ifd: 'Image' | 'Photo' | 'GPSInfo' | 'Iop'): string {
  if (e.type === ASCII) return printable(e.data.subarray(0, 254));
  const numeric =
    e.type === SHORT ||
    e.type === SSHORT ||
    e.type === LONG ||
    e.type === SLONG ||
    e.type === RATIONAL ||
    e.type === SRATIONAL;
  if (numeric && e.count < 10) return Array.from({ length: e.count }, (_, i) => num(r, e, i)).join(' ');
  return described(r, e, ifd);
}

/** imagor's cut: the text before the first ` (`, trimmed. */
function short(s: string): string {
  const i = s.indexOf(' (');
  return (i >= 0 ? s.slice(0, i) : s).trim();
}

export interface ExifContext {
  /** the loaded image's resolution in pixels per inch, which libvips writes when the EXIF has none */
  density?: number | undefined;
  /** HEIF/AVIF: libvips drops the Orientation entry (libheif applies the transform itself) */
  dropOrientation?: boolean | undefined;
}

/** libvips' rational for a resolution: whole numbers over 1, else thousandths. */
function resolution(dpi: number | undefined): string {
  if (dpi === undefined || !(dpi > 0)) return '72/1';
  return Number.isInteger(dpi) && dpi === 72 ? '72/1' : `${Math.round(dpi * 1000)}/1000`;
}

/** EXIF block (with or without the `Exif\0\0` prefix) → imagor's /meta `exif` object. */
export function exifMap(exif: Buffer, ctx: ExifContext = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const tiff = tiffOf(exif);
  if (tiff.length < 8) return out;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return out;
  const r: Reader = { tiff, le: order === 'II' };
  if (u16(r, 2) !== 42) return out;
  const add = (entries: Entry[], ifd: 'Image' | 'Photo' | 'GPSInfo' | 'Iop'): void => {
    for (const e of entries) {
      if (ifd !== 'Iop' && (POINTERS.has(e.tag) || UNLISTED.has(e.tag))) continue;
      const name =
        (ifd === 'Photo' ? LIBEXIF_NAMES[e.tag] : undefined) ?? TAGS[ifd][e.tag] ?? EXTRA_NAMES[e.tag];
      if (!name || name in out) continue;
      out[name] = short(vipsValue(r, e, ifd));
    }
  };
  const pointer = (entries: Entry[], tag: number): number | undefined => {
    const e = entries.find((x) => x.tag === tag && (x.type === LONG || x.type === 13));
    return e ? (r.le ? e.data.readUInt32LE(0) : e.data.readUInt32BE(0)) : undefined;
  };
  const ifd0 = readIfd(r, u32(r, 4));
  add(ifd0.entries, 'Image');
  for (const [k, v] of IFD0_DEFAULTS) out[k] ??= k === 'ResolutionUnit' ? v : resolution(ctx.density);
  if (ctx.dropOrientation) delete out.Orientation;
  const exifAt = pointer(ifd0.entries, EXIF_POINTER);
  const exifIfd = exifAt !== undefined ? readIfd(r, exifAt).entries : [];
  const gpsAt = pointer(ifd0.entries, GPS_POINTER);
  const interopAt = pointer(exifIfd, INTEROP_POINTER);
  // libvips' order: ifd0, ifd1 (thumbnail), ifd2 (Exif), ifd3 (GPS), ifd4 (Interop)
  if (ifd0.next > 0) add(readIfd(r, ifd0.next).entries, 'Image');
  add(exifIfd, 'Photo');
  for (const [k, v] of EXIF_DEFAULTS) out[k] ??= v;
  if (gpsAt !== undefined) add(readIfd(r, gpsAt).entries, 'GPSInfo');
  if (interopAt !== undefined) add(readIfd(r, interopAt).entries, 'Iop');
  return out;
}
