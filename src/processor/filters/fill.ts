import { queryUnescapeOrRaw } from '../../path/escape.js';
import sharp from 'sharp';
import { parseColor, parseColorArg, type ColorArg, type RGBA } from '../color.js';
import { fromSharp, hasAlpha, toSharp, type RawImage } from '../image.js';
import { gaussianBlur } from './blur.js';
import { defineFilter, type FilterContext } from './types.js';
import { readInt, readNumber, readOptionalInt } from './args.js';
import {
  averageColor,
  blit,
  checkCanvas,
  clipRect,
  extractRaw,
  flattenOnto,
  solidCanvas,
  toRGB,
  toRGBA,
  withTiming,
} from './raw.js';

const BLACK: RGBA = { r: 0, g: 0, b: 0, alpha: 1 };

/**
 * Puts the image on a `cw×ch` canvas at (left, top) with imagor's fill semantics: a colour
 * (alpha flattened onto it first), `none`/`transparent` (transparent canvas), `blur` (a blurred,
 * stretched copy underneath; black when blur is disabled or the image is animated) or `auto`
 * (the average colour).
 */
export async function fillCanvas(
  img: RawImage,
  fill: ColorArg,
  cw: number,
  ch: number,
  left: number,
  top: number,
  ctx: Pick<FilterContext, 'disableBlur' | 'limits'>,
): Promise<RawImage> {
  if (cw <= 0 || ch <= 0) return img;
  checkCanvas(ctx, cw, ch, img.pages);
  let mode = fill;
  if (mode.kind === 'blur' && (ctx.disableBlur || img.pages > 1)) mode = { kind: 'color', color: BLACK };
  if (mode.kind === 'auto') mode = { kind: 'color', color: await averageColor(img) };

  if (mode.kind === 'none') {
    const rgba = toRGBA(img);
    const canvas = solidCanvas(cw, ch, img.pages, [0, 0, 0, 0]);
    blit(canvas, rgba, left, top);
    return withTiming(img, canvas);
  }
  if (mode.kind === 'color') {
    const c = mode.color;
    const flat = hasAlpha(img) ? await flattenOnto(img, c) : toRGB(img);
    const canvas = solidCanvas(cw, ch, img.pages, [c.r, c.g, c.b]);
    blit(canvas, flat, left, top);
    return withTiming(img, canvas);
  }
  // blur: single frame only (checked above)
  const rgb = toRGB(img);
  const bg = await gaussianBlur(await fromSharp(toSharp(rgb).resize(cw, ch, { fit: 'fill' })), 50);
  const clip = clipRect(cw, ch, left, top, rgb.width, rgb.pageHeight);
  if (!clip) return withTiming(img, bg);
  if (!hasAlpha(rgb)) {
    blit(bg, extractRaw(rgb, clip.sx, clip.sy, clip.w, clip.h), clip.dx, clip.dy);
    return withTiming(img, bg);
  }
  const part = extractRaw(rgb, clip.sx, clip.sy, clip.w, clip.h);
  const out = await fromSharp(
    toSharp(bg).composite([
      {
        input: part.data,
        raw: { width: part.width, height: part.pageHeight, channels: part.channels },
        left: clip.dx,
        top: clip.dy,
      },
    ]),
  );
  return withTiming(img, out);
}

export const fill = defineFilter<ColorArg>({
  name: 'fill',
  stages: ['load', 'image'],
  parse: (args) => parseColorArg(args[0] ?? ''),
  apply: (img, color, ctx) => {
    const b = ctx.box;
    let [w, h] = [b.width, b.height];
    let [pl, pt, pr, pb] = [b.paddingLeft, b.paddingTop, b.paddingRight, b.paddingBottom];
    if (ctx.rotated) {
      [w, h] = [h, w];
      [pl, pt, pr, pb] = [pt, pl, pb, pr];
    }
    const left = pl + Math.trunc((w - img.width) / 2);
    const top = pt + Math.trunc((h - img.pageHeight) / 2);
    return fillCanvas(img, color, w + pl + pr, h + pt + pb, left, top, ctx);
  },
});

export interface PaddingArgs {
  color: ColorArg;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export const padding = defineFilter<PaddingArgs>({
  name: 'padding',
  stages: ['image'],
  // padding(color,l) → all sides l; (color,l,t) → l/r = l, t/b = t; (color,l,t,r) → b = t; 5 args → each.
  parse: (args) => {
    const left = Math.max(0, readOptionalInt(args[1], 'padding left', 0));
    const top = Math.max(0, args.length > 2 ? readInt(args[2], 'padding top') : left);
    const right = Math.max(0, args.length > 3 ? readInt(args[3], 'padding right') : left);
    const bottom = Math.max(0, args.length > 4 ? readInt(args[4], 'padding bottom') : top);
    return { color: parseColorArg(args[0] ?? ''), left, top, right, bottom };
  },
  apply: (img, a, ctx) => {
    if (a.left + a.top + a.right + a.bottom === 0) return Promise.resolve(img);
    const cw = img.width + a.left + a.right;
    const ch = img.pageHeight + a.top + a.bottom;
    return fillCanvas(img, a.color, cw, ch, a.left, a.top, ctx);
  },
});

export interface RoundCornerArgs {
  rx: number;
  ry: number;
  color?: RGBA;
}

/** The opaque-inside, transparent-outside alpha mask of a rounded rectangle (one channel). */
async function roundedMask(width: number, height: number, rx: number, ry: number): Promise<Buffer> {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect x="0" y="0" width="${width}" height="${height}" rx="${rx}" ry="${ry}" fill="#fff"/></svg>`;
  return sharp(Buffer.from(svg)).ensureAlpha().extractChannel(3).raw().toBuffer();
}

export const roundCorner = defineFilter<RoundCornerArgs>({
  name: 'round_corner',
  stages: ['image'],
  parse: (args) => {
    // The first argument is URL-unescaped; thumbor's `a|b` form also gives rx and ry.
    const first = queryUnescapeOrRaw(args[0] ?? '');
    const [a, b] = first.includes('|') ? first.split('|') : [first, undefined];
    const rx = readNumber(a, 'round_corner rx');
    const ry =
      b !== undefined
        ? readNumber(b, 'round_corner ry')
        : args.length > 1
          ? readNumber(args[1], 'round_corner ry')
          : rx;
    const out: RoundCornerArgs = { rx, ry };
    if (args.length > 2) out.color = parseColor(args[2] ?? '');
    return out;
  },
  apply: async (img, { rx, ry, color }) => {
    if (rx <= 0 && ry <= 0) return img;
    const mask = await roundedMask(img.width, img.pageHeight, Math.max(0, rx), Math.max(0, ry));
    const rgba = toRGBA(img);
    const data = rgba === img ? Buffer.from(img.data) : rgba.data;
    const framePx = img.width * img.pageHeight;
    for (let p = 0; p < img.pages; p++) {
      for (let i = 0; i < framePx; i++) {
        const m = mask[i] ?? 255;
        if (m === 255) continue;
        const o = (p * framePx + i) * 4 + 3;
        data[o] = Math.round(((data[o] ?? 0) * m) / 255);
      }
    }
    const masked = withTiming(img, { ...rgba, data });
    return color ? flattenOnto(masked, color) : masked;
  },
});

export const FILL_FILTERS = [fill, padding, roundCorner];
