import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Metadata of the source carried through the RawImage path, which decodes to plain sRGB pixels:
 * the ICC profile is re-applied at export (sharp's withIccProfile transforms the sRGB pixels back
 * into the source's space and attaches the profile) and the EXIF block is written into the
 * encoded bytes, so that the output metadata does not depend on whether a filter ran.
 */

/** The colour space signature of an ICC profile (`RGB `, `GRAY`, `CMYK`, ...), or ''. */
export function iccColourSpace(icc: Buffer): string {
  return icc.length >= 20 ? icc.subarray(16, 20).toString('latin1') : '';
}

const ICC_DIR = path.join(os.tmpdir(), `imagor-icc-${process.pid}`);
const iccFiles = new Map<string, string>();
const MAX_ICC_FILES = 256;

/**
 * sharp only reads output profiles from files (or its built-in names): writes the profile once
 * to a content-addressed file in the temp dir and returns its path.
 */
export function iccProfileFile(icc: Buffer): string {
  const hash = createHash('sha256').update(icc).digest('hex').slice(0, 32);
  const known = iccFiles.get(hash);
  if (known) return known;
  if (iccFiles.size === 0) mkdirSync(ICC_DIR, { recursive: true });
  const file = path.join(ICC_DIR, `${hash}.icc`);
  writeFileSync(file, icc);
  // a bounded index: the files stay (a few KiB each) and are rewritten when evicted and seen again
  if (iccFiles.size >= MAX_ICC_FILES) {
    const oldest = iccFiles.keys().next().value;
    if (oldest !== undefined) iccFiles.delete(oldest);
  }
  iccFiles.set(hash, file);
  return file;
}

export const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The TIFF structure of an EXIF block (libvips keeps the `Exif\0\0` prefix of the JPEG APP1). */
export function tiffOf(exif: Buffer): Buffer {
  return exif.subarray(0, 6).equals(EXIF_HEADER) ? exif.subarray(6) : exif;
}

/** IFD0 of a TIFF structure: the byte order, its offset and the offsets of its 12-byte entries. */
interface Ifd0 {
  le: boolean;
  offset: number;
  entries: number[];
  u16(at: number): number;
  u32(at: number): number;
}

/** Reads IFD0's entry table; undefined when the header or any entry lies outside the buffer. */
export function readIfd0(tiff: Buffer): Ifd0 | undefined {
  if (tiff.length < 8) return undefined;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const le = order === 'II';
  const u16 = (o: number): number => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number): number => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  if (u16(2) !== 42) return undefined;
  const offset = u32(4);
  if (offset + 2 > tiff.length) return undefined;
  const n = u16(offset);
  if (offset + 2 + n * 12 > tiff.length) return undefined;
  const entries = Array.from({ length: n }, (_, i) => offset + 2 + i * 12);
  return { le, offset, entries, u16, u32 };
}

export const ORIENTATION_TAG = 0x0112;
const SHORT = 3;

/**
 * A copy of the TIFF structure with IFD0's Orientation set to 1: the pixels we write are upright
 * (sharp does the same on the single-pipeline path). Undefined when the structure is unreadable.
 */
export function uprightTiff(exif: Buffer): Buffer | undefined {
  const tiff = Buffer.from(tiffOf(exif));
  const ifd = readIfd0(tiff);
  if (!ifd) return undefined;
  for (const e of ifd.entries) {
    if (ifd.u16(e) === ORIENTATION_TAG && ifd.u16(e + 2) === SHORT) {
      if (ifd.le) tiff.writeUInt16LE(1, e + 8);
      else tiff.writeUInt16BE(1, e + 8);
    }
  }
  return tiff;
}

let crcTable: Uint32Array | undefined;
function crc32(parts: readonly Buffer[]): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of parts) for (const byte of b) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function jpegWithExif(jpeg: Buffer, tiff: Buffer): Buffer {
  const payload = Buffer.concat([EXIF_HEADER, tiff]);
  if (payload.length + 2 > 0xffff || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return jpeg;
  // after SOI and a JFIF APP0, if any
  let at = 2;
  if (jpeg[2] === 0xff && jpeg[3] === 0xe0 && jpeg.length > 6) at = 4 + jpeg.readUInt16BE(4);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, at), head, payload, jpeg.subarray(at)]);
}

function pngWithExif(png: Buffer, tiff: Buffer): Buffer {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE) || png.length < 33) return png;
  // right after IHDR (8 signature + 25 bytes of IHDR chunk)
  const at = 8 + 8 + png.readUInt32BE(8) + 4;
  const type = Buffer.from('eXIf', 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(tiff.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32([type, tiff]));
  return Buffer.concat([png.subarray(0, at), len, type, tiff, crc, png.subarray(at)]);
}

function riffChunk(fourcc: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(fourcc, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat(data.length % 2 ? [head, data, Buffer.alloc(1)] : [head, data]);
}

function webpWithExif(webp: Buffer, tiff: Buffer, width: number, height: number, alpha: boolean): Buffer {
  if (
    webp.length < 20 ||
    webp.toString('latin1', 0, 4) !== 'RIFF' ||
    webp.toString('latin1', 8, 12) !== 'WEBP'
  )
    return webp;
  const first = webp.toString('latin1', 12, 16);
  let body: Buffer;
  if (first === 'VP8X') {
    body = Buffer.from(webp.subarray(12));
    body[8] = (body[8] ?? 0) | 0x08;
  } else {
    // simple format (VP8 / VP8L): an extended header is needed to carry EXIF
    const vp8x = Buffer.alloc(10);
    vp8x[0] = 0x08 | (alpha ? 0x10 : 0);
    vp8x.writeUIntLE(width - 1, 4, 3);
    vp8x.writeUIntLE(height - 1, 7, 3);
    body = Buffer.concat([riffChunk('VP8X', vp8x), webp.subarray(12)]);
  }
  const out = Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'), body, riffChunk('EXIF', tiff)]);
  out.writeUInt32LE(out.length - 8, 4);
  return out;
}

/**
 * Writes an EXIF block (orientation reset to 1) into encoded JPEG, PNG or WebP bytes. Other
 * formats, and blocks too large or unreadable, are returned unchanged.
 */
export function withExifBlock(
  encoded: Buffer,
  format: string,
  exif: Buffer,
  size: { width: number; height: number; alpha: boolean },
): Buffer {
  const tiff = uprightTiff(exif);
  if (!tiff) return encoded;
  switch (format) {
    case 'jpeg':
      return jpegWithExif(encoded, tiff);
    case 'png':
      return pngWithExif(encoded, tiff);
    case 'webp':
      return webpWithExif(encoded, tiff, size.width, size.height, size.alpha);
    default:
      return encoded;
  }
}
