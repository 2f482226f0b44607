import { parseColorArg, type ColorArg, type RGBA } from '../color.js';
import type { RawImage } from '../image.js';
import { defineFilter, type FilterContext } from './types.js';
import { readOptionalNumber } from './args.js';
import { gaussianBlur, pixelateRaw } from './blur.js';
import { blit, extractRaw, toRGB, withTiming } from './raw.js';

/** A detected region in pixels of the image handed to the detector. */
export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
  /** class name, e.g. `face` */
  name?: string;
  score?: number;
}

/**
 * What a detector plugin provides (imagor's imagorface). The pipeline may put one on
 * `FilterContext.detector`; without one, draw_detections / redact / redact_oval do nothing,
 * as in imagor without the plugin.
 */
export interface Detector {
  detect(img: RawImage): Promise<Region[]>;
}

export type RedactMode = { kind: 'blur' } | { kind: 'pixelate' } | { kind: 'color'; color: RGBA };

export interface RedactArgs {
  mode: RedactMode;
  strength: number | undefined;
}

function parseRedact(args: string[]): RedactArgs {
  const first = (args[0] ?? '').trim();
  const strength = args.length > 1 ? readOptionalNumber(args[1], 'redact strength', 0) : undefined;
  if (first === '' || first.toLowerCase() === 'blur') return { mode: { kind: 'blur' }, strength };
  if (first.toLowerCase() === 'pixelate') return { mode: { kind: 'pixelate' }, strength };
  const c: ColorArg = parseColorArg(first);
  // auto/none are not redaction colours: black, like any unreadable colour
  return {
    mode: { kind: 'color', color: c.kind === 'color' ? c.color : { r: 0, g: 0, b: 0, alpha: 1 } },
    strength,
  };
}

/** Regions clipped to one frame of the image, dropping empty ones. */
async function regionsOf(img: RawImage, ctx: FilterContext): Promise<Region[]> {
  if (!ctx.detector) return [];
  const found = await ctx.detector.detect(img);
  const out: Region[] = [];
  for (const r of found) {
    const left = Math.max(0, Math.round(r.left));
    const top = Math.max(0, Math.round(r.top));
    const right = Math.min(img.width, Math.round(r.left + r.width));
    const bottom = Math.min(img.pageHeight, Math.round(r.top + r.height));
    if (right > left && bottom > top)
      out.push({ ...r, left, top, width: right - left, height: bottom - top });
  }
  return out;
}

const PALETTE: readonly (readonly [number, number, number])[] = [
  [230, 25, 75],
  [60, 180, 75],
  [255, 225, 25],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [250, 190, 212],
  [0, 128, 128],
  [170, 110, 40],
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

/** draw_detections(): 2 px unfilled boxes around detector regions (all frames). */
export const drawDetections = defineFilter<null>({
  name: 'draw_detections',
  stages: ['load', 'image'],
  parse: () => null,
  apply: async (img, _args, ctx) => {
    const regions = await regionsOf(img, ctx);
    if (regions.length === 0) return img;
    const rgb = toRGB(img);
    const out = withTiming(img, { ...rgb, data: Buffer.from(rgb.data) });
    const ch = out.channels;
    for (const r of regions) {
      const [cr, cg, cb] = paletteColor(r.name ?? '');
      const paint = (x: number, y: number): void => {
        for (let p = 0; p < out.pages; p++) {
          const o = ((p * out.pageHeight + y) * out.width + x) * ch;
          out.data[o] = cr;
          out.data[o + 1] = cg;
          out.data[o + 2] = cb;
          if (ch === 4) out.data[o + 3] = 255;
        }
      };
      const t = Math.min(2, r.width, r.height);
      for (let y = r.top; y < r.top + r.height; y++) {
        for (let x = r.left; x < r.left + r.width; x++) {
          const edge =
            x < r.left + t || x >= r.left + r.width - t || y < r.top + t || y >= r.top + r.height - t;
          if (edge) paint(x, y);
        }
      }
    }
    return out;
  },
});

async function obscure(img: RawImage, a: RedactArgs, ctx: FilterContext, oval: boolean): Promise<RawImage> {
  if (img.pages > 1) return img;
  const regions = await regionsOf(img, ctx);
  if (regions.length === 0) return img;
  const rgb = toRGB(img);
  const out = withTiming(img, { ...rgb, data: Buffer.from(rgb.data) });
  const ch = out.channels;
  for (const r of regions) {
    const part = extractRaw(out, r.left, r.top, r.width, r.height);
    let cover: RawImage;
    if (a.mode.kind === 'pixelate') {
      cover = pixelateRaw(part, Math.max(1, Math.round(a.strength ?? 10)));
    } else if (a.mode.kind === 'blur' && !ctx.disableBlur) {
      cover = await gaussianBlur(part, a.strength ?? 15);
    } else {
      const c: RGBA = a.mode.kind === 'color' ? a.mode.color : { r: 0, g: 0, b: 0, alpha: 1 };
      const px = [c.r, c.g, c.b, 255].slice(0, ch);
      cover = { ...part, data: Buffer.alloc(part.data.length) };
      for (let o = 0; o < cover.data.length; o += ch) cover.data.set(px, o);
    }
    if (!oval) {
      blit(out, cover, r.left, r.top);
      continue;
    }
    const rx = r.width / 2;
    const ry = r.height / 2;
    for (let y = 0; y < r.height; y++) {
      for (let x = 0; x < r.width; x++) {
        const dx = (x + 0.5 - rx) / rx;
        const dy = (y + 0.5 - ry) / ry;
        if (dx * dx + dy * dy > 1) continue;
        const so = (y * r.width + x) * ch;
        const doff = ((r.top + y) * out.width + r.left + x) * ch;
        cover.data.copy(out.data, doff, so, so + ch);
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

export const redactOval = defineFilter<RedactArgs>({
  name: 'redact_oval',
  stages: ['image'],
  parse: parseRedact,
  apply: (img, a, ctx) => obscure(img, a, ctx, true),
});

export const DETECTION_FILTERS = [drawDetections, redact, redactOval];
