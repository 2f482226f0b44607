import { queryUnescapeOrRaw } from '../../path/escape.js';
import sharp, { type Blend, type OverlayOptions, type Sharp } from 'sharp';
import type { ImageBlob } from '../../blob.js';
import { openEntry } from '../cache/decoded.js';
import { invalid } from '../../errors.js';
import { framesShrinkSide, fromSharp, joinFrames, resizeTo, splitFrames, type RawImage } from '../image.js';
import { shrinkSide, thumbnailSize } from '../geometry.js';
import { defineFilter } from './types.js';
import { expected, readOptionalNumber, readPosition, readTextArg, type Position } from './args.js';
import { clipRect, extractRaw, scaleAlpha, toRGBA, type Clip } from './raw.js';

/** imagor blend names → sharp composite blends; unknown names (and `normal`) → `over`. */
export const BLEND_MODES: ReadonlyMap<string, Blend> = new Map<string, Blend>([
  ['normal', 'over'],
  ['multiply', 'multiply'],
  ['color-burn', 'colour-burn'],
  ['darken', 'darken'],
  ['screen', 'screen'],
  ['color-dodge', 'colour-dodge'],
  ['lighten', 'lighten'],
  ['add', 'add'],
  ['overlay', 'overlay'],
  ['soft-light', 'soft-light'],
  ['hard-light', 'hard-light'],
  ['difference', 'difference'],
  ['exclusion', 'exclusion'],
  ['mask', 'dest-in'],
  ['mask-out', 'dest-out'],
]);

export function readBlend(arg: string | undefined): Blend {
  return BLEND_MODES.get((arg ?? '').trim().toLowerCase()) ?? 'over';
}

/** Alpha argument 0 (opaque) … 100 (invisible) → opacity multiplier. */
export function readOpacity(arg: string | undefined, what: string): number {
  const a = readOptionalNumber(arg, what, 0);
  return Math.max(0, Math.min(1, 1 - a / 100));
}

function offsets(pos: Position, canvas: number, size: number): number[] {
  if (!pos.repeat) return [pos.at(canvas, size)];
  const n = Math.floor(canvas / size) + 1;
  return Array.from({ length: n }, (_, i) => i * size);
}

/**
 * Composites `overlay` onto every frame of `base` at the resolved position (tiled for `repeat`),
 * cropped to the canvas; placements fully outside are skipped. An animated overlay contributes
 * frame i (cycling) to base frame i, a still overlay is replicated on every frame. The result
 * is sRGB with alpha; when nothing lands on the canvas the base is returned untouched.
 */
export async function compositeOverlay(
  base: RawImage,
  overlay: RawImage,
  x: Position,
  y: Position,
  blend: Blend,
): Promise<RawImage> {
  const W = base.width;
  const H = base.pageHeight;
  const w = overlay.width;
  const h = overlay.pageHeight;
  if (w <= 0 || h <= 0) return base;
  const xs = offsets(x, W, w);
  const ys = offsets(y, H, h);
  const placements = xs.length * ys.length;
  // a small overlay repeated over a big canvas would be millions of composite inputs (and their
  // objects): above a few dozen, the tiles are painted into one canvas-sized layer instead
  if (placements > MAX_LAYERS && blend === 'over') return compositeTiled(base, overlay, xs, ys);
  if (placements > MAX_PLACEMENTS) throw invalid(`overlay repeated too often (${placements} placements)`);
  const clips: Clip[] = [];
  for (const oy of ys) {
    for (const ox of xs) {
      const c = clipRect(W, H, ox, oy, w, h);
      if (c) clips.push(c);
    }
  }
  if (clips.length === 0) return base;
  const ovFrames = splitFrames(toRGBA(overlay));
  const layersFor = ovFrames.map((f) =>
    clips.map((c): OverlayOptions => {
      const part =
        c.sx === 0 && c.sy === 0 && c.w === w && c.h === h ? f : extractRaw(f, c.sx, c.sy, c.w, c.h);
      return {
        input: part.data,
        raw: { width: c.w, height: c.h, channels: 4 },
        left: c.dx,
        top: c.dy,
        blend,
      };
    }),
  );
  const frames = splitFrames(toRGBA(base));
  const out = await Promise.all(
    frames.map((f, i) =>
      fromSharp(
        sharp(f.data, { raw: { width: f.width, height: f.pageHeight, channels: 4 } }).composite(
          layersFor[i % layersFor.length] ?? [],
        ),
      ),
    ),
  );
  return joinFrames(out, base);
}

/** Composite inputs per frame before repeats are painted into one layer. */
const MAX_LAYERS = 64;
/** Placements of an overlay with a blend other than `over` (which cannot be pre-painted). */
const MAX_PLACEMENTS = 4096;

/**
 * `compositeOverlay` for many placements: the tiles are copied into one transparent W×H layer
 * (one band of tiles, then the band down the canvas) and that layer is composited `over` each
 * frame. Frames are done one after another so that only one layer and one frame are extra memory.
 */
async function compositeTiled(
  base: RawImage,
  overlay: RawImage,
  xs: readonly number[],
  ys: readonly number[],
): Promise<RawImage> {
  const W = base.width;
  const H = base.pageHeight;
  const w = overlay.width;
  const h = overlay.pageHeight;
  const ovFrames = splitFrames(toRGBA(overlay));
  const layerOf = (f: RawImage): Buffer => {
    const band = Buffer.alloc(W * h * 4);
    for (const ox of xs) {
      const c = clipRect(W, h, ox, 0, w, h);
      if (!c) continue;
      for (let r = 0; r < h; r++) {
        const so = (r * w + c.sx) * 4;
        f.data.copy(band, (r * W + c.dx) * 4, so, so + c.w * 4);
      }
    }
    const layer = Buffer.alloc(W * H * 4);
    for (const oy of ys) {
      const c = clipRect(W, H, 0, oy, W, h);
      if (c) band.copy(layer, c.dy * W * 4, c.sy * W * 4, (c.sy + c.h) * W * 4);
    }
    return layer;
  };
  const still = ovFrames.length === 1 && ovFrames[0] ? layerOf(ovFrames[0]) : undefined;
  const frames = splitFrames(toRGBA(base));
  const out: RawImage[] = [];
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    const ov = ovFrames[i % ovFrames.length];
    if (!f || !ov) continue;
    const layer = still ?? layerOf(ov);
    out.push(
      await fromSharp(
        sharp(f.data, { raw: { width: W, height: H, channels: 4 } }).composite([
          { input: layer, raw: { width: W, height: H, channels: 4 }, left: 0, top: 0, blend: 'over' },
        ]),
      ),
    );
  }
  return joinFrames(out, base);
}

export interface WatermarkArgs {
  image: string;
  x: Position;
  y: Position;
  opacity: number;
  /** both present (≥ 6 args) → fit the overlay into W·w/100 × H·h/100; null = `none` (full size) */
  ratios?: [number | null, number | null];
}

function readRatio(arg: string | undefined, what: string): number | null {
  const s = (arg ?? '').trim().toLowerCase();
  if (s === 'none') return null;
  const n = readOptionalNumber(s, what, 0);
  if (n < 0) throw expected('ratio', what, arg);
  return n === 0 ? null : n;
}

export const watermark = defineFilter<WatermarkArgs>({
  name: 'watermark',
  stages: ['image'],
  parse: (args) => {
    const image = readTextArg(args[0]).trim();
    if (image === '') throw invalid('Expected an image for watermark but received ""');
    const out: WatermarkArgs = {
      image,
      x: readPosition(args[1], 'x', 'watermark x'),
      y: readPosition(args[2], 'y', 'watermark y'),
      opacity: readOpacity(args[3], 'watermark alpha'),
    };
    if (args.length >= 6) {
      out.ratios = [readRatio(args[4], 'watermark w_ratio'), readRatio(args[5], 'watermark h_ratio')];
    }
    return out;
  },
  apply: async (img, a, ctx) => {
    const animated = img.pages > 1;
    let box: { width: number; height: number } | undefined;
    if (a.ratios) {
      const [wr, hr] = a.ratios;
      box = {
        width: wr === null ? img.width : Math.max(1, Math.floor((img.width * wr) / 100)),
        height: hr === null ? img.pageHeight : Math.max(1, Math.floor((img.pageHeight * hr) / 100)),
      };
    }
    let blob: ImageBlob | undefined;
    let pipeline: Sharp | undefined;
    let pages = 1;
    let size = { width: 1, height: 1 };
    // an overlay of known size comes from the decoded-image cache (an animated one is never cached)
    if (ctx.cache && box && ctx.cache.fits(box.width, box.height)) {
      const hit = await ctx.cache.getOrLoad(a.image, () => ctx.load(a.image), animated ? -1 : 1);
      if ('entry' in hit) {
        pipeline = openEntry(hit.entry).ensureAlpha();
        size = { width: hit.entry.width, height: hit.entry.height };
      } else blob = hit.original;
    }
    if (!pipeline) {
      blob ??= await ctx.load(a.image);
      const meta = await sharp(blob.data, { animated }).metadata();
      pages = animated ? Math.max(1, meta.pages ?? 1) : 1;
      size = { width: meta.width ?? 1, height: meta.pageHeight ?? meta.height ?? 1 };
      pipeline = sharp(blob.data, { animated }).ensureAlpha();
    }
    if (box) {
      // fitted into the box with libvips' thumbnail rounding (upscaling allowed), as imagor does
      const t = thumbnailSize(size.width, size.height, box.width, box.height, 'fit');
      const by = framesShrinkSide(shrinkSide(size.width, size.height, box.width, box.height, 'fit'), pages);
      pipeline = resizeTo(pipeline, size, t, by);
    }
    const overlay = scaleAlpha(await fromSharp(pipeline, pages), a.opacity);
    if (a.opacity <= 0) return img;
    return compositeOverlay(img, overlay, a.x, a.y, 'over');
  },
});

export interface ImageArgs {
  path: string;
  x: Position;
  y: Position;
  opacity: number;
  blend: Blend;
}

export const image = defineFilter<ImageArgs>({
  name: 'image',
  stages: ['image'],
  parse: (args) => {
    const path = queryUnescapeOrRaw(args[0] ?? '').trim();
    if (path === '') throw invalid('Expected an imagor path for image but received ""');
    return {
      path,
      x: readPosition(args[1], 'x', 'image x'),
      y: readPosition(args[2], 'y', 'image y'),
      opacity: readOpacity(args[3], 'image alpha'),
      blend: readBlend(args[4]),
    };
  },
  apply: async (img, a, ctx) => {
    if (a.opacity <= 0 && a.blend === 'over') return img;
    const nested = await ctx.processNested(a.path, { width: img.width, height: img.pageHeight });
    return compositeOverlay(img, scaleAlpha(nested, a.opacity), a.x, a.y, a.blend);
  },
});

export const OVERLAY_FILTERS = [watermark, image];
