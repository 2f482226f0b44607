import sharp, { type Sharp } from 'sharp';
import type { ImageFormat } from '../blob.js';
import { CONTENT_TYPES } from '../blob.js';
import { encodeJxlAnyhow, encodeWithVipsCli, type ForeignFormat } from './foreign.js';
import { withExifBlock } from './metadata.js';
import type { ProcessorOptions } from './options.js';

/** Formats this server can write. */
export type OutputFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'avif' | 'tiff' | 'heif' | 'jxl' | 'jp2';

/** Export-time filters (§3.3), read once per request. */
export interface ExportSettings {
  /** format() when readable and writable here */
  format?: OutputFormat | undefined;
  fallbackFormat?: OutputFormat | undefined;
  autojpg: boolean;
  /** quality(n) 1..100; undefined for 0/absent (encoder default) */
  quality?: number | undefined;
  lossless: boolean;
  palette: boolean;
  bitdepth?: number | undefined;
  compression?: number | undefined;
  maxBytes?: number | undefined;
  stripMetadata: boolean;
  stripExif: boolean;
  stripIcc: boolean;
}

function sharpCanWrite(id: string): boolean {
  const f = (sharp.format as unknown as Record<string, { output?: { buffer?: boolean } } | undefined>)[id];
  return f?.output?.buffer === true;
}

/** Reads a format() / fallback_format() value: undefined when unknown or not writable here. */
export function readFormatName(arg: string | undefined): OutputFormat | undefined {
  const s = (arg ?? '').trim().toLowerCase();
  switch (s) {
    case 'jpeg':
    case 'jpg':
    case 'pdf':
    case 'svg':
    case 'bmp':
      return 'jpeg';
    case 'png':
    case 'gif':
    case 'webp':
    case 'avif':
    case 'tiff':
      return s;
    case 'heif':
    case 'jxl':
    case 'jp2':
      // written by foreign.ts when sharp cannot; without an encoder the export is a 406, as in imagor
      return s;
    default:
      return undefined;
  }
}

const intArg = (a: string | undefined): number | undefined => {
  const n = Number.parseInt((a ?? '').trim(), 10);
  return Number.isFinite(n) ? n : undefined;
};

/** Collects the export filters (last one wins), skipping disabled names. */
export function readExportSettings(
  filters: readonly { name: string; args?: string | undefined }[],
  disabled: ReadonlySet<string> = new Set(),
): ExportSettings {
  const s: ExportSettings = {
    autojpg: false,
    lossless: false,
    palette: false,
    stripMetadata: false,
    stripExif: false,
    stripIcc: false,
  };
  for (const f of filters) {
    if (disabled.has(f.name)) continue;
    const first = (f.args ?? '').split(',')[0];
    switch (f.name) {
      case 'format': {
        const fmt = readFormatName(first);
        if (fmt) s.format = fmt;
        break;
      }
      case 'fallback_format': {
        const fmt = readFormatName(first);
        if (fmt) s.fallbackFormat = fmt;
        break;
      }
      case 'autojpg':
        s.autojpg = true;
        break;
      case 'quality': {
        const q = intArg(first);
        if (q !== undefined) s.quality = q > 0 ? Math.min(q, 100) : undefined;
        break;
      }
      case 'lossless':
        s.lossless = true;
        break;
      case 'palette':
        s.palette = true;
        break;
      case 'bitdepth': {
        const b = intArg(first);
        if (b !== undefined && b > 0) s.bitdepth = b;
        break;
      }
      case 'compression': {
        const c = intArg(first);
        if (c !== undefined && c >= 0) s.compression = c;
        break;
      }
      case 'max_bytes': {
        const n = intArg(first);
        if (n !== undefined && n > 0) s.maxBytes = n;
        break;
      }
      case 'strip_metadata':
        s.stripMetadata = true;
        break;
      case 'strip_exif':
        s.stripExif = true;
        break;
      case 'strip_icc':
        s.stripIcc = true;
        break;
    }
  }
  return s;
}

export function canAnimate(f: OutputFormat): boolean {
  return f === 'gif' || f === 'webp';
}

/** The source formats whose bytes we can write back as-is format-wise. */
function savableSource(f: ImageFormat): OutputFormat | undefined {
  switch (f) {
    case 'jpeg':
    case 'png':
    case 'gif':
    case 'webp':
    case 'avif':
    case 'tiff':
    case 'heif':
    case 'jxl':
    case 'jp2':
      return f;
    default:
      // bmp, pdf, svg, unknown: imagor saves these as JPEG
      return undefined;
  }
}

export interface OutputPlan {
  format: OutputFormat;
  /** whether frames of an animated source survive */
  animated: boolean;
}

/**
 * Output format: format() (or autojpg()) else the source format, with formats we cannot save
 * turned into JPEG. An animated source keeps its frames only in GIF/WebP; when format() cannot
 * animate but fallback_format() can, the fallback is used for animated sources.
 */
export function planOutput(s: ExportSettings, source: ImageFormat, sourceAnimated: boolean): OutputPlan {
  let format: OutputFormat = s.format ?? (s.autojpg ? 'jpeg' : (savableSource(source) ?? 'jpeg'));
  if (sourceAnimated && !canAnimate(format) && s.fallbackFormat && canAnimate(s.fallbackFormat)) {
    format = s.fallbackFormat;
  }
  return { format, animated: canAnimate(format) };
}

/** Whether the output could animate for a GIF/WebP source, before we know it is animated. */
export function mayAnimate(s: ExportSettings, source: ImageFormat): boolean {
  return planOutput(s, source, true).animated;
}

export function contentTypeOf(f: OutputFormat): string {
  return CONTENT_TYPES[f];
}

/** Quality steps: encoder defaults as in libvips when quality() is absent. */
const DEFAULT_QUALITY: Partial<Record<OutputFormat, number>> = {
  jpeg: 75,
  webp: 75,
  avif: 50,
  heif: 50,
  tiff: 75,
  jxl: 75,
  jp2: 48,
};

export interface EncodeOptions {
  format: OutputFormat;
  settings: ExportSettings;
  opts: ProcessorOptions;
  /** quality override (max_bytes loop) */
  quality?: number | undefined;
  /** frames of the image being encoded (>1 animated) */
  pages: number;
  delay?: number[] | undefined;
  loop?: number | undefined;
  /** keep EXIF/XMP of the input pipeline */
  keepExif: boolean;
  /** keep the ICC profile of the input pipeline */
  keepIcc: boolean;
  /**
   * RawImage path (sRGB pixels, no metadata on the input): an ICC profile (file path or sharp's
   * `srgb`/`p3`/`cmyk`) to transform the pixels into and attach, unless ICC is stripped.
   */
  iccProfile?: string | undefined;
  /** RawImage path: the source XMP packet, attached unless all metadata is stripped. */
  xmp?: Buffer | undefined;
  /** RawImage path: the source EXIF block written into JPEG/PNG/WebP output, unless EXIF is stripped. */
  exif?: { block: Buffer; width: number; height: number; alpha: boolean } | undefined;
}

/**
 * What survives export, as imagor saves with libvips' keep=all: everything unless strip_metadata()
 * or -vips-strip-metadata (or MozJPEG) keeps nothing; strip_exif() drops EXIF only, strip_icc() and
 * -strip-color-profile the ICC profile only. XMP follows the "keep nothing" switch alone.
 */
function keeps(e: EncodeOptions): { icc: boolean; exif: boolean; xmp: boolean } {
  const { format, settings } = e;
  const strip = settings.stripMetadata || e.opts.stripMetadata || (format === 'jpeg' && e.opts.mozjpeg);
  return {
    icc: e.keepIcc && !strip && !settings.stripIcc && !e.opts.stripColorProfile,
    exif: e.keepExif && !strip && !settings.stripExif,
    xmp: !strip,
  };
}

/** Which metadata of the input pipeline the output keeps. */
function withMetadata(p: Sharp, e: EncodeOptions): Sharp {
  const keep = keeps(e);
  if (e.iccProfile !== undefined || e.exif !== undefined || e.xmp !== undefined) {
    // pixels without metadata: the profile is applied by transform, EXIF is written after encoding
    if (keep.icc) p = e.iccProfile !== undefined ? p.withIccProfile(e.iccProfile) : p.keepIccProfile();
    if (keep.xmp && e.xmp !== undefined && e.xmp.length > 0) p = p.withXmp(e.xmp.toString('utf8'));
  } else if (keep.icc && keep.exif && keep.xmp) p = p.keepMetadata();
  else {
    if (keep.icc) p = p.keepIccProfile();
    if (keep.exif) p = p.keepExif();
    if (keep.xmp) p = p.keepXmp();
  }
  return p;
}

/**
 * Formats sharp cannot write here: JPEG XL (no libjxl in its build), JPEG 2000, and HEIF, which
 * imagor writes with libvips' default HEVC compression (sharp's HEIF is AV1 only).
 */
function isForeign(f: OutputFormat): f is ForeignFormat {
  return f === 'heif' || ((f === 'jxl' || f === 'jp2') && !sharpCanWrite(f));
}

function encodeForeign(p: Sharp, format: ForeignFormat, e: EncodeOptions): Promise<Buffer> {
  const keep = keeps(e);
  const o = {
    quality: e.quality ?? e.settings.quality,
    lossless: e.settings.lossless,
    strip: !keep.icc && !keep.exif,
  };
  return format === 'jxl' ? encodeJxlAnyhow(p, o) : encodeWithVipsCli(p, format, o);
}

/** Applies metadata handling and the encoder to a pipeline. */
export function applyEncoder(p: Sharp, e: EncodeOptions): Sharp {
  const { format, settings } = e;
  p = withMetadata(p, e);
  const quality =
    e.quality ?? settings.quality ?? (e.opts.mozjpeg && format === 'jpeg' ? 75 : DEFAULT_QUALITY[format]);
  const anim =
    e.pages > 1
      ? { ...(e.loop !== undefined ? { loop: e.loop } : {}), ...(e.delay ? { delay: e.delay } : {}) }
      : {};
  switch (format) {
    case 'jpeg':
      return p.jpeg({ quality: quality ?? 75, mozjpeg: e.opts.mozjpeg });
    case 'png': {
      const depth = settings.bitdepth;
      const palette = settings.palette || (depth !== undefined && depth < 8);
      return p.png({
        ...(settings.compression !== undefined
          ? { compressionLevel: Math.min(9, settings.compression) }
          : {}),
        ...(palette ? { palette: true } : {}),
        ...(palette && settings.quality !== undefined ? { quality: settings.quality } : {}),
        ...(palette && depth !== undefined && depth < 8 ? { colours: 2 ** Math.max(1, depth) } : {}),
      });
    }
    case 'gif':
      return p.gif({ ...anim });
    case 'webp':
      return p.webp({ quality: quality ?? 75, lossless: settings.lossless, ...anim });
    case 'avif':
      return p.avif({ quality: quality ?? 50, lossless: settings.lossless, effort: 9 - e.opts.avifSpeed });
    case 'heif':
      return p.heif({
        compression: 'av1',
        quality: quality ?? 50,
        lossless: settings.lossless,
        effort: 9 - e.opts.avifSpeed,
      });
    case 'tiff':
      // libvips' tiffsave default (imagor passes no compression): uncompressed, so alpha survives
      // (sharp's own default is JPEG compression, which has no alpha)
      return p.tiff({ quality: quality ?? 75, compression: 'none' });
    case 'jxl':
      return p.jxl({ quality: quality ?? 75, lossless: settings.lossless });
    case 'jp2':
      return p.jp2({ quality: quality ?? 48, lossless: settings.lossless });
  }
}

const QUALITY_FORMATS = new Set<OutputFormat>(['jpeg', 'webp', 'avif', 'heif', 'tiff', 'jxl', 'jp2']);

/** The next quality of imagor's max_bytes loop, or undefined to stop. */
export function nextMaxBytesQuality(
  quality: number | undefined,
  size: number,
  maxBytes: number,
): number | undefined {
  if (size <= maxBytes) return undefined;
  if (quality !== undefined && quality <= 10) return undefined;
  const q = quality ?? 80;
  const delta = size / maxBytes;
  const pct = delta > 3 ? 25 : delta > 1.5 ? 50 : 75;
  const next = Math.floor((q * pct) / 100);
  return next >= q ? undefined : Math.max(1, next);
}

/**
 * Encodes with the max_bytes loop: while the output is larger than max_bytes and the format has a
 * quality (not PNG/GIF, not lossless), re-encode at 25/50/75 % of the current quality (80 when unset)
 * until it fits or the quality reaches 10 or below.
 */
export async function encode(make: () => Sharp, e: EncodeOptions): Promise<Buffer> {
  const exif = e.exif && keeps(e).exif ? e.exif : undefined;
  const run = async (quality: number | undefined): Promise<Buffer> => {
    const format = e.format;
    if (isForeign(format)) return encodeForeign(withMetadata(make(), e), format, { ...e, quality });
    const out = await applyEncoder(make(), { ...e, quality }).toBuffer();
    return exif ? withExifBlock(out, e.format, exif.block, exif) : out;
  };
  let quality = e.quality ?? e.settings.quality;
  let out = await run(quality);
  const maxBytes = e.settings.maxBytes;
  if (maxBytes === undefined || e.settings.lossless || !QUALITY_FORMATS.has(e.format)) return out;
  for (let i = 0; i < 20; i++) {
    const next = nextMaxBytesQuality(quality, out.length, maxBytes);
    if (next === undefined) break;
    quality = next;
    out = await run(quality);
  }
  return out;
}
