import type { MetaRegion } from '../faces/pipeline.js';
import { encode as encodeBlurhash } from 'blurhash';
import { rgbaToThumbHash } from 'thumbhash';
import { CONTENT_TYPES, ImageBlob, type ImageFormat } from '../blob.js';
import { invalid } from '../errors.js';
import { exifMap } from './exif.js';
import { contentTypeOf, type OutputFormat } from './export.js';
import { splitFrames, toSharp, type RawImage } from './image.js';

/** Metadata-only filters (§3.5), validated before any work: bad arguments are 400s. */
export { exifMap };

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
  detected_regions?: MetaRegion[];
}

export interface MetaInput {
  format: OutputFormat;
  /**
   * the source format when no format()/autojpg() chose one: imagor's /meta names the format it
   * loaded (svg, pdf, jp2k, heif...) rather than the one it would save
   */
  source?: ImageFormat | undefined;
  /** resolution (pixels per inch) and format of the source, for the EXIF entries libvips adds */
  density?: number | undefined;
  sourceFormat?: ImageFormat | undefined;
  /** pages of a PDF source document */
  documentPages?: number | undefined;
  orientation: number;
  /** raw EXIF block of the source; undefined or ignored when stripped */
  exif?: Buffer | undefined;
  stripExif: boolean;
  detectedRegions?: MetaJson['detected_regions'] | undefined;
}

/** imagor's /meta JSON for a processed image, as an ImageBlob of type application/json. */
export async function buildMeta(img: RawImage, input: MetaInput, settings: MetaSettings): Promise<ImageBlob> {
  const named = metaFormat(input.format, input.source);
  const json: MetaJson = {
    format: named.format,
    content_type: named.contentType,
    width: img.width,
    height: img.pageHeight,
    orientation: input.orientation,
    pages: named.format === 'pdf' && input.documentPages ? input.documentPages : img.pages,
    bands: img.channels,
    exif:
      input.stripExif || !input.exif
        ? {}
        : exifMap(input.exif, {
            density: input.density,
            dropOrientation: input.sourceFormat === 'heif' || input.sourceFormat === 'avif',
          }),
  };
  const first = img.pages > 1 ? (splitFrames(img)[0] ?? img) : img;
  if (settings.blurhash) json.blurhash = await blurhashOf(first, settings.blurhash.x, settings.blurhash.y);
  if (settings.thumbhash) json.thumbhash = await thumbhashOf(first);
  if (settings.avgcolor) json.average_color = await averageColor(first);
  if (input.detectedRegions && input.detectedRegions.length > 0)
    json.detected_regions = input.detectedRegions;
  return new ImageBlob(Buffer.from(JSON.stringify(json)), { contentType: 'application/json' });
}

/** libvips' names of the formats where ours differ. */
const VIPS_NAMES: Partial<Record<ImageFormat, string>> = { jp2: 'jp2k' };

/**
 * The `format` / `content_type` pair of /meta: the source's own format when it is one libvips
 * loads (format() absent), else the output format.
 */
export function metaFormat(
  output: OutputFormat,
  source: ImageFormat | undefined,
): { format: string; contentType: string } {
  const f: ImageFormat =
    source !== undefined && source !== 'json' && source !== 'unknown' && source !== 'bmp' ? source : output;
  return { format: VIPS_NAMES[f] ?? f, contentType: f === output ? contentTypeOf(output) : CONTENT_TYPES[f] };
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
