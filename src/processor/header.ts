/**
 * What the fast path needs to know about a JPEG, PNG or WebP, read from its header bytes in JS.
 *
 * Reading it here saves a libvips header parse (a thread-pool round trip and a native call) on every
 * plain resize. The reader only answers for the common, unambiguous layouts; for anything else
 * (CMYK or 12-bit JPEG, 16-bit or EXIF-carrying PNG, animated WebP, odd orientation values, damaged
 * headers) it returns undefined and the caller asks libvips instead. A test checks every answer
 * against sharp's own metadata() on the fixtures.
 */
import type { ImageFormat } from '../blob.js';
import { EXIF_HEADER, ORIENTATION_TAG, PNG_SIGNATURE, readIfd0, tiffOf } from './metadata.js';

export interface ImageHeader {
  /** stored (not auto-oriented) size */
  width: number;
  height: number;
  /** EXIF orientation 1–8, 0 when the image has no EXIF orientation */
  orientation: number;
  channels: 1 | 2 | 3 | 4;
  hasAlpha: boolean;
  /** libvips interpretation as sharp reports it */
  space: 'srgb' | 'b-w';
  hasExif: boolean;
  hasIcc: boolean;
}

export function readHeader(data: Buffer, format: ImageFormat): ImageHeader | undefined {
  try {
    if (format === 'jpeg') return jpegHeader(data);
    if (format === 'png') return pngHeader(data);
    if (format === 'webp') return webpHeader(data);
  } catch {
    // a read past the end of a damaged header: let libvips report on it
  }
  return undefined;
}

const ICC_ID = Buffer.from('ICC_PROFILE\0', 'latin1');

function startsWith(data: Buffer, at: number, id: Buffer): boolean {
  return data.length >= at + id.length && data.compare(id, 0, id.length, at, at + id.length) === 0;
}

/** SOF markers that carry frame dimensions (not DHT C4, JPG C8, DAC CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegHeader(data: Buffer): ImageHeader | undefined {
  if (data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  let at = 2;
  let frame: { width: number; height: number; components: number } | undefined;
  let hasExif = false;
  let hasIcc = false;
  let orientation = 0;
  for (;;) {
    if (data[at] !== 0xff) return undefined;
    while (data[at] === 0xff) at++;
    const marker = data[at];
    at++;
    if (marker === undefined) return undefined;
    if (marker === 0xda) break; // start of scan: the header is complete
    if (marker === 0xd9) return undefined;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length field
    const length = data.readUInt16BE(at);
    if (length < 2 || at + length > data.length) return undefined;
    const body = at + 2;
    if (isStartOfFrame(marker)) {
      if (frame || data[body] !== 8) return undefined; // a second frame, or 12/16-bit samples
      frame = {
        height: data.readUInt16BE(body + 1),
        width: data.readUInt16BE(body + 3),
        components: data[body + 5] ?? 0,
      };
    } else if (marker === 0xe1 && startsWith(data, body, EXIF_HEADER) && !hasExif) {
      hasExif = true;
      const o = exifOrientation(data.subarray(body + EXIF_HEADER.length, at + length));
      if (o === undefined) return undefined;
      orientation = o;
    } else if (marker === 0xe2 && startsWith(data, body, ICC_ID)) {
      hasIcc = true;
    }
    at += length;
  }
  if (!frame || frame.width === 0 || frame.height === 0) return undefined;
  if (frame.components !== 1 && frame.components !== 3) return undefined; // CMYK/YCCK: libvips decides
  const grey = frame.components === 1;
  return {
    width: frame.width,
    height: frame.height,
    orientation,
    channels: grey ? 1 : 3,
    hasAlpha: false,
    space: grey ? 'b-w' : 'srgb',
    hasExif,
    hasIcc,
  };
}

/**
 * The orientation tag of IFD0 in a TIFF-structured EXIF block: 0 when absent, undefined when the
 * block cannot be read or the value is outside 1–8 (libvips then has the last word).
 */
export function exifOrientation(tiff: Buffer): number | undefined {
  const ifd = readIfd0(tiff);
  if (!ifd || ifd.offset < 8) return undefined;
  for (const e of ifd.entries) {
    if (ifd.u16(e) !== ORIENTATION_TAG) continue;
    if (ifd.u16(e + 2) !== 3 || ifd.u32(e + 4) !== 1) return undefined; // not one SHORT
    const value = ifd.u16(e + 8);
    return value >= 1 && value <= 8 ? value : undefined;
  }
  return 0;
}

function pngHeader(data: Buffer): ImageHeader | undefined {
  if (!startsWith(data, 0, PNG_SIGNATURE)) return undefined;
  if (data.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const width = data.readUInt32BE(16);
  const height = data.readUInt32BE(20);
  const depth = data[24];
  const colorType = data[25];
  if (width === 0 || height === 0 || depth === undefined || depth > 8) return undefined;
  let hasIcc = false;
  let transparency = false;
  let at = 8;
  for (;;) {
    const length = data.readUInt32BE(at);
    const type = data.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT' || type === 'IEND') break;
    if (type === 'iCCP') hasIcc = true;
    else if (type === 'tRNS') transparency = true;
    else if (type === 'eXIf') return undefined; // EXIF (and its orientation) in a PNG: libvips decides
    at += 12 + length;
    if (at + 8 > data.length) return undefined;
  }
  let channels: 1 | 2 | 3 | 4;
  switch (colorType) {
    case 0:
      if (transparency) return undefined;
      channels = 1;
      break;
    case 2:
      if (transparency) return undefined;
      channels = 3;
      break;
    case 3:
      channels = transparency ? 4 : 3;
      break;
    case 4:
      channels = 2;
      break;
    case 6:
      channels = 4;
      break;
    default:
      return undefined;
  }
  return {
    width,
    height,
    orientation: 0,
    channels,
    hasAlpha: channels === 2 || channels === 4,
    space: channels <= 2 ? 'b-w' : 'srgb',
    hasExif: false,
    hasIcc,
  };
}

const VP8X_ICC = 0x20;
const VP8X_ALPHA = 0x10;
const VP8X_EXIF = 0x08;
const VP8X_ANIMATION = 0x02;

function webpHeader(data: Buffer): ImageHeader | undefined {
  if (data.toString('latin1', 0, 4) !== 'RIFF' || data.toString('latin1', 8, 12) !== 'WEBP') return undefined;
  const first = data.toString('latin1', 12, 16);
  if (first === 'VP8 ') {
    const size = lossySize(data, 20);
    return size && plainRgb(size.width, size.height, false);
  }
  if (first === 'VP8L') {
    const info = losslessInfo(data, 20);
    return info && plainRgb(info.width, info.height, info.alpha);
  }
  if (first !== 'VP8X') return undefined;
  const flags = data[20] ?? 0;
  if (flags & VP8X_ANIMATION) return undefined;
  const width = data.readUIntLE(24, 3) + 1;
  const height = data.readUIntLE(27, 3) + 1;
  let alpha = (flags & VP8X_ALPHA) !== 0;
  let orientation = 0;
  let image = false;
  // walk the chunks after VP8X: ALPH/VP8/VP8L settle alpha as libwebp does, EXIF gives the orientation
  let at = 12 + 8 + data.readUInt32LE(16);
  while (at + 8 <= data.length) {
    const type = data.toString('latin1', at, at + 4);
    const length = data.readUInt32LE(at + 4);
    const body = at + 8;
    if (body + length > data.length) return undefined;
    if (type === 'ALPH') alpha = true;
    else if (type === 'VP8L') {
      const info = losslessInfo(data, body);
      if (!info) return undefined;
      alpha = info.alpha;
      image = true;
    } else if (type === 'VP8 ') image = true;
    else if (type === 'EXIF' && flags & VP8X_EXIF) {
      const block = data.subarray(body, body + length);
      const o = exifOrientation(tiffOf(block));
      if (o === undefined) return undefined;
      orientation = o;
    }
    at = body + length + (length & 1);
  }
  if (!image) return undefined;
  const header = plainRgb(width, height, alpha);
  header.orientation = orientation;
  header.hasExif = (flags & VP8X_EXIF) !== 0;
  header.hasIcc = (flags & VP8X_ICC) !== 0;
  return header;
}

function lossySize(data: Buffer, at: number): { width: number; height: number } | undefined {
  if (data[at + 3] !== 0x9d || data[at + 4] !== 0x01 || data[at + 5] !== 0x2a) return undefined;
  const width = data.readUInt16LE(at + 6) & 0x3fff;
  const height = data.readUInt16LE(at + 8) & 0x3fff;
  return width > 0 && height > 0 ? { width, height } : undefined;
}

function losslessInfo(
  data: Buffer,
  at: number,
): { width: number; height: number; alpha: boolean } | undefined {
  if (data[at] !== 0x2f) return undefined;
  const bits = data.readUInt32LE(at + 1);
  return {
    width: (bits & 0x3fff) + 1,
    height: ((bits >>> 14) & 0x3fff) + 1,
    alpha: ((bits >>> 28) & 1) === 1,
  };
}

function plainRgb(width: number, height: number, alpha: boolean): ImageHeader {
  return {
    width,
    height,
    orientation: 0,
    channels: alpha ? 4 : 3,
    hasAlpha: alpha,
    space: 'srgb',
    hasExif: false,
    hasIcc: false,
  };
}
