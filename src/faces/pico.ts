/**
 * The PICO detector (Markuš et al., "Object Detection with Pixel Intensity Comparisons Organized in
 * Decision Trees", arXiv:1305.4537): a square window slides over a greyscale image at growing sizes;
 * each window runs through the cascade's trees, every tree comparing two pixel intensities per level
 * and adding its leaf's output to a running sum; the window is rejected as soon as the sum falls to a
 * tree's threshold. Windows that pass every tree are candidate detections (see cluster.ts).
 */
import type { Cascade } from './cascade.js';

/** A window that passed the cascade: centre (row, col), side `scale` in pixels, confidence `q`. */
export interface Detection {
  row: number;
  col: number;
  scale: number;
  q: number;
}

export interface ScanParams {
  /** smallest window side in pixels */
  minSize: number;
  /** largest window side in pixels */
  maxSize: number;
  /** window step as a fraction of the window side (pigo: 0.1) */
  shiftFactor: number;
  /** growth of the window side from one scale to the next (pigo: 1.1) */
  scaleFactor: number;
}

export interface Grey {
  /** one byte per pixel, row-major */
  pixels: Uint8Array;
  width: number;
  height: number;
}

/**
 * The pixel offsets a cascade compares at one window side, relative to the window's centre pixel:
 * node n of tree t (index i = t·2^depth + n) compares the pixels at offsets [2i] and [2i + 1] in an
 * image `width` pixels wide. The positions are fixed point (×256): since the centre is a whole pixel,
 * floor((256·row + code·scale) / 256) = row + floor(code·scale / 256), so each node's offsets depend
 * only on the scale and are computed once per scale instead of once per window.
 */
export function offsetsAt(c: Cascade, scale: number, width: number, trees = c.trees): Int32Array {
  const off = new Int32Array(2 * (c.codes.length / 4));
  fillOffsets(c, scale, width, off, 0, trees);
  return off;
}

/** Fills the offsets of trees [from, to) into `off`; returns `to`. */
function fillOffsets(
  c: Cascade,
  scale: number,
  width: number,
  off: Int32Array,
  from: number,
  to: number,
): number {
  const leaves = 1 << c.depth;
  const codes = c.codes;
  for (let i = from * leaves; i < to * leaves; i++) {
    const o = 4 * i;
    off[2 * i] = (((codes[o] as number) * scale) >> 8) * width + (((codes[o + 1] as number) * scale) >> 8);
    off[2 * i + 1] =
      (((codes[o + 2] as number) * scale) >> 8) * width + (((codes[o + 3] as number) * scale) >> 8);
  }
  return to;
}

/** Node `i`'s comparison for the window centred on pixel `centre`: is the first pixel no brighter? */
function at(px: Uint8Array, centre: number, off: Int32Array, i: number): boolean {
  const k = i << 1;
  return (px[centre + (off[k] as number)] as number) <= (px[centre + (off[k + 1] as number)] as number);
}

/** Confidence of the window centred on pixel `centre` (row·width + col), or -1 when a tree rejects it. */
export function classifyAt(c: Cascade, px: Uint8Array, off: Int32Array, centre: number): number {
  const { preds, thresholds, depth, trees } = c;
  const leaves = 1 << depth;
  let sum = 0;
  for (let t = 0, base = 0; t < trees; t++, base += leaves) {
    let j = 1;
    for (let d = 0; d < depth; d++) {
      const k = (base + j) << 1;
      j =
        2 * j +
        ((px[centre + (off[k] as number)] as number) <= (px[centre + (off[k + 1] as number)] as number)
          ? 1
          : 0);
    }
    sum += preds[base + j - leaves] as number;
    if (sum <= (thresholds[t] as number)) return -1;
  }
  return sum - (thresholds[trees - 1] as number);
}

/** Confidence of the window centred on (row, col) with side `scale`, or -1 when a tree rejects it. */
export function classifyWindow(c: Cascade, img: Grey, row: number, col: number, scale: number): number {
  return classifyAt(c, img.pixels, offsetsAt(c, scale, img.width), row * img.width + col);
}

/** Every window of one scale that passes the cascade. */
export function scanScale(c: Cascade, img: Grey, scale: number, shiftFactor: number): Detection[] {
  const out: Detection[] = [];
  const step = Math.max(1, Math.trunc(shiftFactor * scale));
  // the window's offsets reach at most half its side from the centre
  const margin = Math.trunc(scale / 2) + 1;
  const w = img.width;
  // most windows are rejected by the first few trees: offsets are filled in as deeper trees are reached
  const off = new Int32Array(2 * (c.codes.length / 4));
  let ready = fillOffsets(c, scale, w, off, 0, Math.min(c.trees, 8));
  const px = img.pixels;
  const { preds, thresholds, depth, trees } = c;
  const leaves = 1 << depth;
  const last = thresholds[trees - 1] as number;
  // classifyAt, inlined: this loop is the detector's whole cost
  for (let row = margin; row <= img.height - margin; row += step) {
    for (let col = margin; col <= w - margin; col += step) {
      const centre = row * w + col;
      let sum = 0;
      let t = 0;
      for (let base = 0; t < trees; t++, base += leaves) {
        if (t >= ready) ready = fillOffsets(c, scale, w, off, ready, Math.min(trees, 2 * ready));
        let j = 1;
        if (depth === 6) {
          // facefinder's depth, unrolled (a third faster than the loop)
          j = 2 * j + (at(px, centre, off, base + j) ? 1 : 0);
          j = 2 * j + (at(px, centre, off, base + j) ? 1 : 0);
          j = 2 * j + (at(px, centre, off, base + j) ? 1 : 0);
          j = 2 * j + (at(px, centre, off, base + j) ? 1 : 0);
          j = 2 * j + (at(px, centre, off, base + j) ? 1 : 0);
          j = 2 * j + (at(px, centre, off, base + j) ? 1 : 0);
        } else {
          for (let d = 0; d < depth; d++) j = 2 * j + (at(px, centre, off, base + j) ? 1 : 0);
        }
        sum += preds[base + j - leaves] as number;
        if (sum <= (thresholds[t] as number)) break;
      }
      if (t === trees && sum - last > 0) out.push({ row, col, scale, q: sum - last });
    }
  }
  return out;
}

/** The window sides scanned, smallest first. */
export function scales(p: ScanParams): number[] {
  const out: number[] = [];
  let s = Math.max(1, Math.trunc(p.minSize));
  while (s <= p.maxSize) {
    out.push(s);
    const next = Math.trunc(s * p.scaleFactor);
    s = next > s ? next : s + 1;
  }
  return out;
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Scans every scale. Between scales it yields to the event loop (one scale of a 400 px probe is a
 * few milliseconds of work) and stops with the signal's reason once the request is aborted.
 */
export async function runCascade(
  c: Cascade,
  img: Grey,
  p: ScanParams,
  signal?: AbortSignal,
): Promise<Detection[]> {
  const out: Detection[] = [];
  for (const s of scales(p)) {
    if (signal?.aborted) throw signal.reason;
    for (const d of scanScale(c, img, s, p.shiftFactor)) out.push(d);
    await yieldToLoop();
  }
  if (signal?.aborted) throw signal.reason;
  return out;
}

/** BT.601 luma of 8-bit RGB(A) pixels, truncated to an integer as pigo's callers do. */
export function toGrey(data: Uint8Array, width: number, height: number, channels: number): Grey {
  const n = width * height;
  const pixels = new Uint8Array(n);
  if (channels < 3) {
    for (let i = 0; i < n; i++) pixels[i] = data[i * channels] ?? 0;
  } else {
    for (let i = 0, o = 0; i < n; i++, o += channels) {
      pixels[i] = Math.trunc(
        (299 * (data[o] ?? 0) + 587 * (data[o + 1] ?? 0) + 114 * (data[o + 2] ?? 0)) / 1000,
      );
    }
  }
  return { pixels, width, height };
}
