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
  const { rowOf, colOf } = codeTables(scale, width);
  fillFromTables(c, rowOf, colOf, off, from, to);
  return to;
}

/** floor(code·scale / 256) for every code (-128..127), the row's already times the image width. */
function codeTables(scale: number, width: number): { rowOf: Int32Array; colOf: Int32Array } {
  const rowOf = new Int32Array(256);
  const colOf = new Int32Array(256);
  for (let code = -128; code < 128; code++) {
    colOf[code + 128] = (code * scale) >> 8;
    rowOf[code + 128] = ((code * scale) >> 8) * width;
  }
  return { rowOf, colOf };
}

function fillFromTables(
  c: Cascade,
  rowOf: Int32Array,
  colOf: Int32Array,
  off: Int32Array,
  from: number,
  to: number,
): void {
  const leaves = 1 << c.depth;
  const codes = c.codes;
  for (let i = from * leaves; i < to * leaves; i++) {
    const o = 4 * i;
    off[2 * i] =
      (rowOf[(codes[o] as number) + 128] as number) + (colOf[(codes[o + 1] as number) + 128] as number);
    off[2 * i + 1] =
      (rowOf[(codes[o + 2] as number) + 128] as number) + (colOf[(codes[o + 3] as number) + 128] as number);
  }
}

/** Node `i`'s comparison for the window centred on pixel `centre`: 1 when the first pixel is no brighter. */
function le(px: Uint8Array, centre: number, off: Int32Array, i: number): number {
  const k = i << 1;
  const a = px[centre + (off[k] as number)] as number;
  const b = px[centre + (off[k + 1] as number)] as number;
  // 1 when a <= b, without a branch: the comparisons are coin flips a branch predictor cannot learn
  return ((b - a) >>> 31) ^ 1;
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

/** A scale's node offsets in an image of one width, filled tree by tree as windows reach them. */
interface OffsetTable {
  off: Int32Array;
  filled: number;
}

/**
 * Offsets depend only on the cascade, the window side and the probe's width, and probes of one
 * aspect ratio share a width: the tables of the last few widths are kept (about 7 MB a width when
 * every tree of every scale was reached) instead of being recomputed for every detection.
 */
const OFFSET_WIDTHS_KEPT = 2;
const offsetTables = new WeakMap<Cascade, Map<number, Map<number, OffsetTable>>>();

function offsetTable(c: Cascade, scale: number, width: number): OffsetTable {
  let byWidth = offsetTables.get(c);
  if (!byWidth) offsetTables.set(c, (byWidth = new Map()));
  let byScale = byWidth.get(width);
  if (byScale) {
    byWidth.delete(width);
  } else {
    byScale = new Map();
    if (byWidth.size >= OFFSET_WIDTHS_KEPT) byWidth.delete(byWidth.keys().next().value as number);
  }
  byWidth.set(width, byScale);
  let t = byScale.get(scale);
  if (!t) byScale.set(scale, (t = { off: new Int32Array(2 * (c.codes.length / 4)), filled: 0 }));
  return t;
}

/** Fills the table's offsets up to tree `to` (exclusive), a few trees ahead. */
function fillTo(c: Cascade, table: OffsetTable, scale: number, width: number, to: number): void {
  const end = Math.min(c.trees, Math.max(to, table.filled + 8));
  const { rowOf, colOf } = codeTables(scale, width);
  fillFromTables(c, rowOf, colOf, table.off, table.filled, end);
  table.filled = end;
}

/** Scratch space of a scan, sized for the smallest window on `img`; shared by its scales. */
export interface ScanBuffers {
  centres: Int32Array;
  sums: Float64Array;
}

export function scanBuffers(c: Cascade, img: Grey, minScale = 1, shiftFactor = 0.1): ScanBuffers {
  const step = Math.max(1, Math.trunc(shiftFactor * minScale));
  const windows = (Math.trunc(img.width / step) + 1) * (Math.trunc(img.height / step) + 1);
  return {
    centres: new Int32Array(windows),
    sums: new Float64Array(windows),
  };
}

/**
 * Every window of one scale that passes the cascade. A tree is a chain of six dependent loads, and
 * whether a window survives it is a coin flip; run window by window, the mispredicted exits stall
 * every chain. So the trees run stage by stage: tree t over every window still alive, its sums
 * stored without a branch, then the survivors kept in a separate, cheap pass. Each window's sum
 * adds the same leaves in the same order as a window-by-window scan, so the result is identical.
 */
export function scanScale(
  c: Cascade,
  img: Grey,
  scale: number,
  shiftFactor: number,
  work: ScanBuffers = scanBuffers(c, img),
): Detection[] {
  const out: Detection[] = [];
  const step = Math.max(1, Math.trunc(shiftFactor * scale));
  // the window's offsets reach at most half its side from the centre
  const margin = Math.trunc(scale / 2) + 1;
  const w = img.width;
  const rows = img.height >= 2 * margin ? Math.trunc((img.height - 2 * margin) / step) + 1 : 0;
  const cols = w >= 2 * margin ? Math.trunc((w - 2 * margin) / step) + 1 : 0;
  if (rows === 0 || cols === 0) return out;
  const { preds, thresholds, depth, trees } = c;
  const leaves = 1 << depth;
  const px = img.pixels;
  const { centres, sums } = work;
  const table = offsetTable(c, scale, w);
  const off = table.off;
  let n = 0;
  sums.fill(0, 0, rows * cols);
  for (let row = margin, r = 0; r < rows; r++, row += step) {
    for (let centre = row * w + margin, k = 0; k < cols; k++, centre += step) centres[n++] = centre;
  }
  for (let t = 0; t < trees && n > 0; t++) {
    if (t >= table.filled) fillTo(c, table, scale, w, t + 1);
    const base = t * leaves;
    // four windows at a time: their chains of loads are independent, so the CPU overlaps them
    let i = 0;
    for (; i + 3 < n; i += 4) {
      const c0 = centres[i] as number;
      const c1 = centres[i + 1] as number;
      const c2 = centres[i + 2] as number;
      const c3 = centres[i + 3] as number;
      let j0 = 1;
      let j1 = 1;
      let j2 = 1;
      let j3 = 1;
      for (let d = 0; d < depth; d++) {
        j0 = (j0 << 1) | le(px, c0, off, base + j0);
        j1 = (j1 << 1) | le(px, c1, off, base + j1);
        j2 = (j2 << 1) | le(px, c2, off, base + j2);
        j3 = (j3 << 1) | le(px, c3, off, base + j3);
      }
      sums[i] = (sums[i] as number) + (preds[base + j0 - leaves] as number);
      sums[i + 1] = (sums[i + 1] as number) + (preds[base + j1 - leaves] as number);
      sums[i + 2] = (sums[i + 2] as number) + (preds[base + j2 - leaves] as number);
      sums[i + 3] = (sums[i + 3] as number) + (preds[base + j3 - leaves] as number);
    }
    for (; i < n; i++) {
      const centre = centres[i] as number;
      let j = 1;
      for (let d = 0; d < depth; d++) j = (j << 1) | le(px, centre, off, base + j);
      sums[i] = (sums[i] as number) + (preds[base + j - leaves] as number);
    }
    const th = thresholds[t] as number;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const sum = sums[i] as number;
      if (sum > th) {
        centres[kept] = centres[i] as number;
        sums[kept++] = sum;
      }
    }
    n = kept;
  }
  const last = thresholds[trees - 1] as number;
  for (let i = 0; i < n; i++) {
    const centre = centres[i] as number;
    const q = (sums[i] as number) - last;
    if (q > 0) out.push({ row: Math.trunc(centre / w), col: centre % w, scale, q });
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
  const all = scales(p);
  const work = scanBuffers(c, img, all[0] ?? 1, p.shiftFactor);
  for (const s of all) {
    if (signal?.aborted) throw signal.reason;
    for (const d of scanScale(c, img, s, p.shiftFactor, work)) out.push(d);
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
