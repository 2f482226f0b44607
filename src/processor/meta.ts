import { encode as encodeBlurhash } from 'blurhash';
import exifReader from 'exif-reader';
import { rgbaToThumbHash } from 'thumbhash';
import { ImageBlob } from '../blob.js';
import { invalid } from '../errors.js';
import { contentTypeOf, type OutputFormat } from './export.js';
import { splitFrames, toSharp, type RawImage } from './image.js';

/** Metadata-only filters (§3.5), validated before any work: bad arguments are 400s. */
export interface MetaSettings {
  blurhash?: { x: number; y: number } | undefined;
  thumbhash: boolean;
  avgcolor: boolean;
}

export function readMetaSettings(
  filters: readonly { name: string; args?: string | undefined }[],
  disabled: ReadonlySet<string> = new Set(),
): MetaSettings {
  const s: MetaSettings = { thumbhash: false, avgcolor: false };
  for (const f of filters) {
    if (disabled.has(f.name)) continue;
    const args = (f.args ?? '').trim();
    switch (f.name) {
      case 'blurhash': {
        const parts = args.split(',').map((a) => a.trim());
        const nums = parts.map((a) => (/^\d+$/.test(a) ? Number(a) : NaN));
        const [x, y] = nums;
        if (
          parts.length !== 2 ||
          x === undefined ||
          y === undefined ||
          !(x >= 1 && x <= 9 && y >= 1 && y <= 9)
        ) {
          throw invalid('blurhash: x and y components must be integers between 1 and 9');
        }
        s.blurhash = { x, y };
        break;
      }
      case 'thumbhash':
        if (args !== '') throw invalid('thumbhash: takes no arguments');
        s.thumbhash = true;
        break;
      case 'avgcolor':
        if (args !== '') throw invalid('avgcolor: takes no arguments');
        s.avgcolor = true;
        break;
    }
  }
  return s;
}

export interface MetaJson {
  format: string;
  content_type: string;
  width: number;
  height: number;
  orientation: number;
  pages: number;
  bands: number;
  exif: Record<string, string>;
  blurhash?: string;
  thumbhash?: string;
  average_color?: { r: number; g: number; b: number };
  /** detector regions in output pixels (imagorface), when the URL asks for detection */
  detected_regions?: {
    left: number;
    top: number;
    right: number;
    bottom: number;
    score: number;
    name: string;
  }[];
}

export interface MetaInput {
  format: OutputFormat;
  orientation: number;
  /** raw EXIF block of the source; undefined or ignored when stripped */
  exif?: Buffer | undefined;
  stripExif: boolean;
  detectedRegions?: MetaJson['detected_regions'] | undefined;
}

/** imagor's /meta JSON for a processed image, as an ImageBlob of type application/json. */
export async function buildMeta(img: RawImage, input: MetaInput, settings: MetaSettings): Promise<ImageBlob> {
  const json: MetaJson = {
    format: input.format,
    content_type: contentTypeOf(input.format),
    width: img.width,
    height: img.pageHeight,
    orientation: input.orientation,
    pages: img.pages,
    bands: img.channels,
    exif: input.stripExif || !input.exif ? {} : exifMap(input.exif),
  };
  const first = img.pages > 1 ? (splitFrames(img)[0] ?? img) : img;
  if (settings.blurhash) json.blurhash = await blurhashOf(first, settings.blurhash.x, settings.blurhash.y);
  if (settings.thumbhash) json.thumbhash = await thumbhashOf(first);
  if (settings.avgcolor) json.average_color = await averageColor(first);
  if (input.detectedRegions && input.detectedRegions.length > 0)
    json.detected_regions = input.detectedRegions;
  return new ImageBlob(Buffer.from(JSON.stringify(json)), { contentType: 'application/json' });
}

const POINTER_TAGS = new Set(['ExifTag', 'GPSTag', 'InteroperabilityTag']);

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function exifValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v.replace(/\0+$/, '').trim();
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(6)));
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return undefined;
    return `${v.getUTCFullYear()}:${pad(v.getUTCMonth() + 1)}:${pad(v.getUTCDate())} ${pad(v.getUTCHours())}:${pad(
      v.getUTCMinutes(),
    )}:${pad(v.getUTCSeconds())}`;
  }
  if (Buffer.isBuffer(v)) {
    const s = v.toString('latin1').replace(/\0+$/, '');
    return s !== '' && /^[\x20-\x7e]+$/.test(s) && s.length <= 64 ? s : undefined;
  }
  if (Array.isArray(v)) {
    const parts = v.map(exifValue).filter((x): x is string => x !== undefined);
    return parts.length ? parts.join(' ') : undefined;
  }
  return undefined;
}

/** EXIF tags of the main image (IFD0, Exif, GPS, Interop) → short strings. */
export function exifMap(exif: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let parsed: Record<string, unknown>;
  try {
    parsed = exifReader(exif) as unknown as Record<string, unknown>;
  } catch {
    return out;
  }
  for (const section of ['Image', 'Photo', 'GPSInfo', 'Iop']) {
    const tags = parsed[section];
    if (!tags || typeof tags !== 'object') continue;
    for (const [k, v] of Object.entries(tags as Record<string, unknown>)) {
      if (POINTER_TAGS.has(k)) continue;
      const s = exifValue(v);
      if (s !== undefined) out[k] = s;
    }
  }
  return out;
}

async function rgbaThumb(
  img: RawImage,
  max: number,
  flatten?: string,
): Promise<{ data: Buffer; w: number; h: number }> {
  let p = toSharp(img).resize(max, max, { fit: 'inside', withoutEnlargement: true });
  if (flatten) p = p.flatten({ background: flatten });
  const { data, info } = await p.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, w: info.width, h: info.height };
}

async function blurhashOf(img: RawImage, x: number, y: number): Promise<string> {
  const t = await rgbaThumb(img, 64, '#000000');
  return encodeBlurhash(
    new Uint8ClampedArray(t.data.buffer, t.data.byteOffset, t.data.length),
    t.w,
    t.h,
    x,
    y,
  );
}

async function thumbhashOf(img: RawImage): Promise<string> {
  const t = await rgbaThumb(img, 100);
  return Buffer.from(rgbaToThumbHash(t.w, t.h, t.data)).toString('base64');
}

async function averageColor(img: RawImage): Promise<{ r: number; g: number; b: number }> {
  const stats = await toSharp(img).flatten({ background: '#ffffff' }).toColourspace('srgb').stats();
  const ch = stats.channels;
  const r = ch[0]?.mean ?? 0;
  return { r: Math.round(r), g: Math.round(ch[1]?.mean ?? r), b: Math.round(ch[2]?.mean ?? r) };
}
