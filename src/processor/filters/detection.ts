import sharp from 'sharp';
import { parseColorArg, type ColorArg, type RGBA } from '../color.js';
import type { RawImage } from '../image.js';
import { defineFilter, type FilterContext } from './types.js';
import { gaussianBlur, pixelateRaw } from './blur.js';
import { blit, extractRaw, toRGB, withTiming } from './raw.js';

/** A detector region in whole pixels of the image being filtered. */
export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
  /** class name, e.g. `face` */
  name: string;
  score: number;
}

/**
 * What the pipeline puts on `FilterContext.detector` when a detector is configured (`-face-detector`):
 * regions with edges as fractions (0..1) of the image handed in (imagor's Detector contract). Without
 * one, draw_detections / redact / redact_oval do nothing, as in imagor without imagorface.
 */
export interface Detector {
  detect(
    img: RawImage,
    signal: AbortSignal,
  ): Promise<{ left: number; top: number; right: number; bottom: number; score: number; name: string }[]>;
}

export type RedactMode = { kind: 'blur' } | { kind: 'pixelate' } | { kind: 'color'; color: RGBA };

export interface RedactArgs {
  mode: RedactMode;
  strength: number | undefined;
}

function parseRedact(args: string[]): RedactArgs {
  const first = (args[0] ?? '').trim();
  // imagor reads the strength as an integer and ignores anything else (then: the mode's default)
  const n = args.length > 1 ? Number((args[1] ?? '').trim()) : NaN;
  const strength = Number.isInteger(n) && n > 0 ? n : undefined;
  if (first === '' || first.toLowerCase() === 'blur') return { mode: { kind: 'blur' }, strength };
  if (first.toLowerCase() === 'pixelate') return { mode: { kind: 'pixelate' }, strength };
  const c: ColorArg = parseColorArg(first);
  // auto/none are not redaction colours: black, like any unreadable colour
  return {
    mode: { kind: 'color', color: c.kind === 'color' ? c.color : { r: 0, g: 0, b: 0, alpha: 1 } },
    strength,
  };
}

/** Regions in whole pixels of the first frame, rounded and clamped as imagor does; empty ones dropped. */
async function regionsOf(img: RawImage, ctx: FilterContext): Promise<Region[]> {
  if (!ctx.detector) return [];
  const found = await ctx.detector.detect(img, ctx.signal);
  const out: Region[] = [];
  for (const r of found) {
    let left = Math.round(r.left * img.width);
    let top = Math.round(r.top * img.pageHeight);
    let width = Math.round(r.right * img.width) - left;
    let height = Math.round(r.bottom * img.pageHeight) - top;
    if (left < 0) {
      width += left;
      left = 0;
    }
    if (top < 0) {
      height += top;
      top = 0;
    }
    width = Math.min(width, img.width - left);
    height = Math.min(height, img.pageHeight - top);
    if (width > 0 && height > 0) out.push({ left, top, width, height, name: r.name, score: r.score });
  }
  return out;
}

/** imagor's detection palette: a class name always gets the same colour. */
const PALETTE: readonly (readonly [number, number, number])[] = [
  [0xff, 0x33, 0x33],
  [0x33, 0xaa, 0xff],
  [0xaa, 0x33, 0xff],
  [0xff, 0xaa, 0x00],
  [0x33, 0xff, 0x66],
  [0xff, 0x33, 0xaa],
  [0x00, 0xcc, 0xcc],
  [0xff, 0xff, 0x33],
  [0xff, 0x66, 0x00],
  [0x00, 0x66, 0xff],
  [0x66, 0xff, 0x00],
  [0xcc, 0x00, 0x66],
];

/** 32-bit FNV-1a of a class name → palette index. */
export function paletteColor(name: string): readonly [number, number, number] {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(name, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return PALETTE[h % PALETTE.length] ?? [255, 0, 0];
}

/**
 * draw_detections(): a 1 px unfilled box (libvips draw_rect) in the class's palette colour around
 * each region, on the first frame (imagor draws on the frame stack's top).
 */
export const drawDetections = defineFilter<null>({
  name: 'draw_detections',
  stages: ['load', 'image'],
  parse: () => null,
  apply: async (img, _args, ctx) => {
    const regions = await regionsOf(img, ctx);
    if (regions.length === 0) return img;
    const rgb = img.channels < 3 ? toRGB(img) : img;
    const out = withTiming(img, { ...rgb, data: Buffer.from(rgb.data) });
    const ch = out.channels;
    for (const r of regions) {
      const [cr, cg, cb] = paletteColor(r.name);
      const paint = (x: number, y: number): void => {
        const o = (y * out.width + x) * ch;
        out.data[o] = cr;
        out.data[o + 1] = cg;
        out.data[o + 2] = cb;
        if (ch === 4) out.data[o + 3] = 255;
      };
      const right = r.left + r.width - 1;
      const bottom = r.top + r.height - 1;
      for (let x = r.left; x <= right; x++) {
        paint(x, r.top);
        paint(x, bottom);
      }
      for (let y = r.top; y <= bottom; y++) {
        paint(r.left, y);
        paint(right, y);
      }
    }
    return out;
  },
});

/** Coverage (0..255) of imagor's ellipse mask for a w × h patch, rendered by librsvg as imagor does. */
async function ellipseMask(w: number, h: number): Promise<Buffer> {
  const cx = Math.trunc(w / 2);
  const cy = Math.trunc(h / 2);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><ellipse cx="${cx}" cy="${cy}" rx="${cx}" ry="${cy}" fill="#fff"/></svg>`;
  const { data, info } = await sharp(Buffer.from(svg))
    .resize(w, h, { fit: 'fill' })
    .ensureAlpha()
    .extractChannel(3)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return info.width === w && info.height === h ? data : Buffer.alloc(w * h);
}

async function obscure(img: RawImage, a: RedactArgs, ctx: FilterContext, oval: boolean): Promise<RawImage> {
  if (img.pages > 1) return img;
  const regions = await regionsOf(img, ctx);
  if (regions.length === 0) return img;
  const rgb = img.channels < 3 ? toRGB(img) : img;
  const out = withTiming(img, { ...rgb, data: Buffer.from(rgb.data) });
  const ch = out.channels;
  for (const r of regions) {
    const part = extractRaw(out, r.left, r.top, r.width, r.height);
    let cover: RawImage;
    if (a.mode.kind === 'pixelate') {
      cover = pixelateRaw(part, a.strength ?? 10);
    } else if (a.mode.kind === 'blur') {
      // imagor blurs regardless of -vips-disable-blur (that flag disables the blur() filter only)
      cover = await gaussianBlur(part, a.strength ?? 15);
    } else {
      const c: RGBA = a.mode.color;
      const px = [c.r, c.g, c.b, 255].slice(0, ch);
      cover = { ...part, data: Buffer.alloc(part.data.length) };
      for (let o = 0; o < cover.data.length; o += ch) cover.data.set(px, o);
    }
    if (!oval) {
      blit(out, cover, r.left, r.top);
      continue;
    }
    const mask = await ellipseMask(r.width, r.height);
    for (let y = 0; y < r.height; y++) {
      for (let x = 0; x < r.width; x++) {
        const m = mask[y * r.width + x] ?? 0;
        if (m === 0) continue;
        const so = (y * r.width + x) * ch;
        const doff = ((r.top + y) * out.width + r.left + x) * ch;
        for (let c = 0; c < ch; c++) {
          const under = out.data[doff + c] ?? 0;
          const over = cover.data[so + c] ?? 0;
          out.data[doff + c] = Math.round((over * m + under * (255 - m)) / 255);
        }
      }
    }
  }
  return out;
}

/** redact([mode[,strength]]): blur (sigma 15), pixelate (block 10) or a colour over detector regions. */
export const redact = defineFilter<RedactArgs>({
  name: 'redact',
  stages: ['image'],
  parse: parseRedact,
  apply: (img, a, ctx) => obscure(img, a, ctx, false),
});

/** redact_oval(...): as redact, inside the ellipse that fills each region. */
export const redactOval = defineFilter<RedactArgs>({
  name: 'redact_oval',
  stages: ['image'],
  parse: parseRedact,
  apply: (img, a, ctx) => obscure(img, a, ctx, true),
});

export const DETECTION_FILTERS = [drawDetections, redact, redactOval];
