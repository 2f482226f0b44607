import { frameSize, framesShrinkSide, fromSharp, hasAlpha, mapFrames, resizeTo, toSharp } from '../image.js';
import { shrinkSide, thumbnailSize } from '../geometry.js';
import { defineFilter } from './types.js';
import { readNumber, readOptionalNumber } from './args.js';
import { extractRaw, flattenOnto, toRGB, withTiming } from './raw.js';

export type CropArgs = [number, number, number, number] | null;

const NUM_RE = /^[+-]?(\d+\.?\d*|\.\d+)$/;

export const crop = defineFilter<CropArgs>({
  name: 'crop',
  stages: ['image'],
  // invalid arguments make crop a no-op (imagor), never an error
  parse: (args) => {
    if (args.length < 4) return null;
    const v = args.slice(0, 4).map((a) => a.trim());
    if (!v.every((a) => NUM_RE.test(a))) return null;
    const [l, t, w, h] = v.map(Number) as [number, number, number, number];
    return [l, t, w, h];
  },
  apply: async (img, args) => {
    if (!args) return img;
    const W = img.width;
    const H = img.pageHeight;
    const rel = (v: number, size: number): number => (v > 0 && v < 1 ? Math.trunc(v * size) : Math.trunc(v));
    const left = Math.min(Math.max(0, rel(args[0], W)), W - 1);
    const top = Math.min(Math.max(0, rel(args[1], H)), H - 1);
    const width = Math.min(rel(args[2], W), W - left);
    const height = Math.min(rel(args[3], H), H - top);
    if (width <= 0 || height <= 0) return img;
    if (left === 0 && top === 0 && width === W && height === H) return img;
    return extractRaw(img, left, top, width, height);
  },
});

export const rotate = defineFilter<number>({
  name: 'rotate',
  stages: ['load', 'image'],
  parse: (args) => readNumber(args[0], 'rotate angle'),
  apply: async (img, angle, ctx) => {
    // thumbor-compatible: rotate(90) is 90° counter-clockwise (libvips D270)
    const turn = angle === 90 ? 270 : angle === 180 ? 180 : angle === 270 ? 90 : 0;
    if (turn === 0) return img;
    // imagor marks the image as turned by 90° on any 90/270 rotation (a mark, not a parity)
    if (turn !== 180) ctx.rotated = true;
    return mapFrames(img, async (f) => fromSharp(toSharp(f).rotate(turn)));
  },
});

export const proportion = defineFilter<number>({
  name: 'proportion',
  stages: ['image'],
  // an unreadable or missing scale is a no-op, as in imagor
  parse: (args) => {
    const v = Number((args[0] ?? '').trim());
    return (args[0] ?? '').trim() === '' || !Number.isFinite(v) ? 0 : v;
  },
  apply: async (img, p) => {
    // imagor: ≤0 does nothing, >100 counts as 100, >1 is a percentage; sides truncate, and a side
    // that reaches 0 leaves the image as it is; the image is then fitted into that box
    if (!(p > 0)) return img;
    const scale = p > 1 ? Math.min(p, 100) / 100 : p;
    const bw = Math.trunc(img.width * scale);
    const bh = Math.trunc(img.pageHeight * scale);
    if (bw <= 0 || bh <= 0) return img;
    const t = thumbnailSize(img.width, img.pageHeight, bw, bh, 'fit');
    if (t.width === img.width && t.height === img.pageHeight) return img;
    const by = framesShrinkSide(shrinkSide(img.width, img.pageHeight, bw, bh, 'fit'), img.pages);
    return mapFrames(img, async (f) => fromSharp(resizeTo(toSharp(f), frameSize(f), t, by)));
  },
});

export interface TrimArgs {
  tolerance: number;
  position: 'top-left' | 'bottom-right';
}

export const trim = defineFilter<TrimArgs>({
  name: 'trim',
  stages: ['load', 'image'],
  // trim([tolerance[,position]]); the position may also come first
  parse: (args) => {
    let tolerance = 1;
    let position: TrimArgs['position'] = 'top-left';
    for (const raw of args.slice(0, 2)) {
      const a = raw.trim();
      if (a === 'top-left' || a === 'bottom-right') position = a;
      else tolerance = readOptionalNumber(a, 'trim tolerance', 1);
    }
    return { tolerance: tolerance <= 0 ? 1 : tolerance, position };
  },
  apply: async (img, { tolerance, position }) => {
    if (img.pages > 1) return img;
    // alpha images are trimmed on a magenta-flattened copy; the cut is taken from the original
    const probe = hasAlpha(img) ? await flattenOnto(img, { r: 255, g: 0, b: 255 }) : toRGB(img);
    const px = position === 'top-left' ? 0 : (probe.width * probe.pageHeight - 1) * probe.channels;
    const at = (i: number): number => probe.data[px + i] ?? 0;
    const background =
      probe.channels >= 3 ? { r: at(0), g: at(1), b: at(2) } : { r: at(0), g: at(0), b: at(0) };
    let info;
    try {
      ({ info } = await toSharp(probe)
        .trim({ background, threshold: tolerance })
        .raw()
        .toBuffer({ resolveWithObject: true }));
    } catch {
      return img; // nothing to trim (uniform image)
    }
    const left = -(info.trimOffsetLeft ?? 0);
    const top = -(info.trimOffsetTop ?? 0);
    if (info.width <= 0 || info.height <= 0) return img;
    if (left === 0 && top === 0 && info.width === img.width && info.height === img.pageHeight) return img;
    return withTiming(img, extractRaw(img, left, top, info.width, info.height));
  },
});

export const TRANSFORM_FILTERS = [crop, rotate, proportion, trim];
