import { fromSharp, mapFrames, toSharp, type RawImage } from '../image.js';
import { defineFilter } from './types.js';
import { readNumber, readOptionalInt } from './args.js';
import { withTiming } from './raw.js';

/** Largest sigma blurred directly; beyond it the blur runs on a shrunk copy (see gaussianBlur). */
const DIRECT_SIGMA = 25;

/**
 * Gaussian blur. Clamps, documented: sigma below 0.3 is the identity (sharp's minimum); sigma is
 * capped at 1000 (sharp's maximum). libvips' cost grows with the kernel (≈ 7·sigma taps per pixel
 * and pass), so a huge sigma on a large image would run for minutes: above DIRECT_SIGMA the image
 * is shrunk by k = sigma / DIRECT_SIGMA, blurred with DIRECT_SIGMA and enlarged back, which is the
 * same low-pass picture within a grey level or two at a bounded cost.
 */
export async function gaussianBlur(img: RawImage, sigma: number): Promise<RawImage> {
  if (!(sigma >= 0.3)) return img;
  const s = Math.min(sigma, 1000);
  if (s <= DIRECT_SIGMA) return withTiming(img, await fromSharp(toSharp(img).blur(s), img.pages));
  const k = s / DIRECT_SIGMA;
  const w = Math.max(1, Math.round(img.width / k));
  const h = Math.max(1, Math.round(img.pageHeight / k));
  const out = await mapFrames(img, async (f) => {
    const small = await fromSharp(
      toSharp(f)
        .resize(w, h, { fit: 'fill' })
        .blur(Math.min(s / k, DIRECT_SIGMA)),
    );
    return fromSharp(toSharp(small).resize(f.width, f.pageHeight, { fit: 'fill' }));
  });
  return withTiming(img, out);
}

export const blur = defineFilter<number>({
  name: 'blur',
  stages: ['image'],
  // imagor: sigma is the one argument, or the second of two, halved; any other count is a no-op.
  parse: (args) =>
    args.length === 2
      ? readNumber(args[1], 'blur sigma') / 2
      : args.length > 2
        ? 0
        : readNumber(args[0], 'blur sigma') / 2,
  apply: async (img, sigma) => {
    if (sigma <= 0 || img.pages > 1) return img;
    return gaussianBlur(img, sigma);
  },
});

export const sharpen = defineFilter<number>({
  name: 'sharpen',
  stages: ['image'],
  // thumbor style sharpen(amount, radius, luminance_only): one arg → it, two or three → the second;
  // none (or more than three) → 0, which imagor still applies as sigma 1.
  parse: (args) =>
    args.length === 0 || args.length > 3
      ? 0
      : args.length >= 2
        ? readNumber(args[1], 'sharpen sigma')
        : readNumber(args[0], 'sharpen sigma'),
  apply: async (img, arg) => {
    if (img.pages > 1) return img;
    const sigma = 1 + 2 * arg;
    // sharp's range is 0.000001..10 (libvips allows more; larger values are capped here).
    if (!(sigma > 0.000001)) return img;
    const pipeline = toSharp(img).sharpen({ sigma: Math.min(sigma, 10), m1: 0, m2: 2, x1: 1 });
    return withTiming(img, await fromSharp(pipeline, img.pages));
  },
});

/**
 * Box average over `block`×`block` cells (per frame), each cell painted with its mean: the same
 * result as a box shrink followed by a nearest-neighbour zoom back to the original size.
 */
export function pixelateRaw(img: RawImage, block: number, region?: RegionRect): RawImage {
  const { width, pageHeight, channels: ch } = img;
  const data = Buffer.from(img.data);
  const r = region ?? { left: 0, top: 0, width, height: pageHeight };
  const sums = new Float64Array(ch);
  for (let p = 0; p < img.pages; p++) {
    const base = p * pageHeight;
    for (let by = r.top; by < r.top + r.height; by += block) {
      const bh = Math.min(block, r.top + r.height - by);
      for (let bx = r.left; bx < r.left + r.width; bx += block) {
        const bw = Math.min(block, r.left + r.width - bx);
        sums.fill(0);
        for (let y = 0; y < bh; y++) {
          let o = ((base + by + y) * width + bx) * ch;
          for (let x = 0; x < bw; x++)
            for (let c = 0; c < ch; c++) sums[c] = (sums[c] ?? 0) + (data[o++] ?? 0);
        }
        const n = bw * bh;
        for (let c = 0; c < ch; c++) sums[c] = Math.round((sums[c] ?? 0) / n);
        for (let y = 0; y < bh; y++) {
          let o = ((base + by + y) * width + bx) * ch;
          for (let x = 0; x < bw; x++) for (let c = 0; c < ch; c++) data[o++] = sums[c] ?? 0;
        }
      }
    }
  }
  return withTiming(img, { ...img, data });
}

export interface RegionRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export const pixelate = defineFilter<number>({
  name: 'pixelate',
  stages: ['image'],
  parse: (args) => readOptionalInt(args[0], 'pixelate block size', 10),
  apply: async (img, block) => {
    if (block <= 1) return img;
    return pixelateGrid(img, block);
  },
});

/**
 * pixelate(N) as imagor does it: the image shrinks to round(w/N)×round(h/N) cells (each the mean of
 * the source area it covers) and each cell is drawn N×N, so the output size snaps to the block
 * grid (202×259 at 20 → 200×260).
 */
export function pixelateGrid(img: RawImage, block: number): RawImage {
  const { width: w, pageHeight: h, channels: ch } = img;
  const nw = Math.max(1, Math.round(w / block));
  const nh = Math.max(1, Math.round(h / block));
  const ow = nw * block;
  const oh = nh * block;
  const out = Buffer.alloc(ow * oh * img.pages * ch);
  const sums = new Float64Array(ch);
  for (let p = 0; p < img.pages; p++) {
    for (let j = 0; j < nh; j++) {
      const y0 = Math.floor((j * h) / nh);
      const y1 = Math.max(y0 + 1, Math.floor(((j + 1) * h) / nh));
      for (let i = 0; i < nw; i++) {
        const x0 = Math.floor((i * w) / nw);
        const x1 = Math.max(x0 + 1, Math.floor(((i + 1) * w) / nw));
        sums.fill(0);
        for (let y = y0; y < y1; y++) {
          let o = ((p * h + y) * w + x0) * ch;
          for (let x = x0; x < x1; x++)
            for (let c = 0; c < ch; c++) sums[c] = (sums[c] ?? 0) + (img.data[o++] ?? 0);
        }
        const n = (x1 - x0) * (y1 - y0);
        for (let c = 0; c < ch; c++) sums[c] = Math.round((sums[c] ?? 0) / n);
        for (let y = 0; y < block; y++) {
          let o = ((p * oh + j * block + y) * ow + i * block) * ch;
          for (let x = 0; x < block; x++) for (let c = 0; c < ch; c++) out[o++] = sums[c] ?? 0;
        }
      }
    }
  }
  return withTiming(img, { ...img, data: out, width: ow, pageHeight: oh });
}

export const BLUR_FILTERS = [blur, sharpen, pixelate];
