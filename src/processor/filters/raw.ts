import { maxResolutionExceeded } from '../../errors.js';
import type { RGBA } from '../color.js';
import { fromSharp, hasAlpha, toSharp, type RawImage } from '../image.js';
import type { FilterContext } from './types.js';

/**
 * Refuses (422, as imagor's post-filter check would) a canvas over the configured limits before
 * its pixels are allocated: libvips builds such canvases lazily, we would allocate them.
 */
export function checkCanvas(
  ctx: Pick<FilterContext, 'limits'>,
  width: number,
  pageHeight: number,
  pages: number,
): void {
  const l = ctx.limits;
  if (!l) return;
  if (width > l.maxWidth || pageHeight > l.maxHeight || width * pageHeight * pages > l.maxResolution) {
    throw maxResolutionExceeded();
  }
}

/** Keeps animation timing on a filter result that has the same frame count as its source. */
export function withTiming(src: RawImage, out: RawImage): RawImage {
  if (out.pages !== src.pages) return out;
  if (src.delay && !out.delay) out.delay = src.delay;
  if (src.loop !== undefined && out.loop === undefined) out.loop = src.loop;
  return out;
}

function copyMeta(src: RawImage, data: Buffer, channels: RawImage['channels']): RawImage {
  return withTiming(src, { data, width: src.width, pageHeight: src.pageHeight, pages: src.pages, channels });
}

/** Grey (1 or 2 channels) → sRGB (3 or 4 channels); colour images are returned as is. */
export function toRGB(img: RawImage): RawImage {
  if (img.channels >= 3) return img;
  const alpha = img.channels === 2;
  const px = img.data.length / img.channels;
  const out = Buffer.allocUnsafe(px * (alpha ? 4 : 3));
  for (let i = 0, o = 0, s = 0; i < px; i++) {
    const v = img.data[s++] ?? 0;
    out[o++] = v;
    out[o++] = v;
    out[o++] = v;
    if (alpha) out[o++] = img.data[s++] ?? 255;
  }
  return copyMeta(img, out, alpha ? 4 : 3);
}

/** sRGB with an alpha channel (opaque where there was none). */
export function toRGBA(img: RawImage): RawImage {
  const rgb = toRGB(img);
  if (rgb.channels === 4) return rgb;
  const px = rgb.data.length / 3;
  const out = Buffer.allocUnsafe(px * 4);
  for (let i = 0, o = 0, s = 0; i < px; i++) {
    out[o++] = rgb.data[s++] ?? 0;
    out[o++] = rgb.data[s++] ?? 0;
    out[o++] = rgb.data[s++] ?? 0;
    out[o++] = 255;
  }
  return copyMeta(img, out, 4);
}

/** Multiplies the alpha channel (the image gets one if needed) by `factor` in 0..1. */
export function scaleAlpha(img: RawImage, factor: number): RawImage {
  const rgba = toRGBA(img);
  if (factor >= 1) return rgba;
  const data = rgba === img ? Buffer.from(rgba.data) : rgba.data;
  const f = Math.max(0, factor);
  for (let i = 3; i < data.length; i += 4) data[i] = Math.round((data[i] ?? 0) * f);
  return copyMeta(img, data, 4);
}

/** Alpha flattened onto an opaque colour with libvips (grey images are made sRGB first). */
export async function flattenOnto(img: RawImage, c: Pick<RGBA, 'r' | 'g' | 'b'>): Promise<RawImage> {
  if (!hasAlpha(img)) return img;
  const rgb = toRGB(img);
  const out = await fromSharp(toSharp(rgb).flatten({ background: { r: c.r, g: c.g, b: c.b } }), rgb.pages);
  return withTiming(img, out);
}

/** A canvas of `pages` frames filled with one pixel value (its length is the channel count). */
export function solidCanvas(
  width: number,
  pageHeight: number,
  pages: number,
  pixel: readonly number[],
): RawImage {
  const channels = pixel.length as RawImage['channels'];
  const data = Buffer.allocUnsafe(width * pageHeight * pages * channels);
  if (channels === 1) data.fill(pixel[0] ?? 0);
  else {
    const one = Buffer.from(pixel.map((v) => Math.max(0, Math.min(255, Math.round(v)))));
    for (let o = 0; o < data.length; o += channels) one.copy(data, o);
  }
  return { data, width, pageHeight, pages, channels };
}

export interface Clip {
  /** top-left of the visible part inside the source */
  sx: number;
  sy: number;
  /** where it lands on the canvas */
  dx: number;
  dy: number;
  w: number;
  h: number;
}

/** The part of a `w×h` rectangle placed at (x,y) that lies on a `cw×ch` canvas, or null. */
export function clipRect(cw: number, ch: number, x: number, y: number, w: number, h: number): Clip | null {
  const dx = Math.max(0, x);
  const dy = Math.max(0, y);
  const right = Math.min(cw, x + w);
  const bottom = Math.min(ch, y + h);
  if (right <= dx || bottom <= dy) return null;
  return { sx: dx - x, sy: dy - y, dx, dy, w: right - dx, h: bottom - dy };
}

/**
 * Copies (replaces) every frame of `src` onto the matching frame of `dst` at (x,y), clipped to
 * the canvas. Both must have the same channel count and frame count. `dst` is modified.
 */
export function blit(dst: RawImage, src: RawImage, x: number, y: number): void {
  const c = clipRect(dst.width, dst.pageHeight, x, y, src.width, src.pageHeight);
  if (!c) return;
  const ch = dst.channels;
  const rowBytes = c.w * ch;
  for (let p = 0; p < dst.pages; p++) {
    const srcFrame = Math.min(p, src.pages - 1) * src.pageHeight;
    const dstFrame = p * dst.pageHeight;
    for (let r = 0; r < c.h; r++) {
      const so = ((srcFrame + c.sy + r) * src.width + c.sx) * ch;
      const doff = ((dstFrame + c.dy + r) * dst.width + c.dx) * ch;
      src.data.copy(dst.data, doff, so, so + rowBytes);
    }
  }
}

/** Cuts the same rectangle out of every frame (the rectangle must lie inside the frame). */
export function extractRaw(
  img: RawImage,
  left: number,
  top: number,
  width: number,
  height: number,
): RawImage {
  const ch = img.channels;
  const out = Buffer.allocUnsafe(width * height * img.pages * ch);
  const rowBytes = width * ch;
  let o = 0;
  for (let p = 0; p < img.pages; p++) {
    for (let r = 0; r < height; r++) {
      const so = ((p * img.pageHeight + top + r) * img.width + left) * ch;
      img.data.copy(out, o, so, so + rowBytes);
      o += rowBytes;
    }
  }
  return withTiming(img, { data: out, width, pageHeight: height, pages: img.pages, channels: ch });
}

/**
 * imagor's `auto` colour: the mean colour of the image with alpha flattened onto white,
 * measured on a thumbnail of at most 64 px (first frame only).
 */
export async function averageColor(img: RawImage): Promise<RGBA> {
  const first: RawImage = {
    ...img,
    pages: 1,
    data: img.data.subarray(0, img.width * img.pageHeight * img.channels),
  };
  const flat = await flattenOnto(toRGB(first), { r: 255, g: 255, b: 255 });
  const thumb = await fromSharp(toSharp(flat).resize(64, 64, { fit: 'inside', withoutEnlargement: true }));
  const stats = await toSharp(thumb).stats();
  const mean = (i: number): number => Math.round(stats.channels[i]?.mean ?? 0);
  return { r: mean(0), g: mean(1), b: mean(2), alpha: 1 };
}
