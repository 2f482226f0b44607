/**
 * Reader of a PICO cascade file (the format of pigo's `facefinder`; layout in models/README.md).
 * A bad file is a start-up error: the server refuses to run with a detector it cannot trust.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A cascade of depth-`depth` binary decision trees over pixel-intensity comparisons. */
export interface Cascade {
  depth: number;
  trees: number;
  /**
   * Per tree, 4 × 2^depth signed offsets: node `n` (1-based, heap order) compares the pixel at
   * (codes[4n], codes[4n+1]) with the one at (codes[4n+2], codes[4n+3]), row first, in 1/256 of the
   * window size. Slot 0 of each tree is unused, so node indices are plain heap indices.
   */
  codes: Int8Array;
  /** per tree, 2^depth leaf outputs */
  preds: Float32Array;
  /** per tree, the running-sum threshold below which a window is rejected */
  thresholds: Float32Array;
}

export class CascadeError extends Error {
  override name = 'CascadeError';
}

const HEADER = 16;
const MAX_DEPTH = 16;
const MAX_TREES = 100_000;

/** Parses a cascade; throws CascadeError naming what is wrong with the bytes. */
export function readCascade(buf: Uint8Array, label = 'face detector cascade'): Cascade {
  if (buf.length < HEADER) {
    throw new CascadeError(`${label}: truncated (${buf.length} bytes, the header alone is ${HEADER})`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const depth = view.getInt32(8, true);
  const trees = view.getInt32(12, true);
  if (!(depth >= 1 && depth <= MAX_DEPTH)) {
    throw new CascadeError(`${label}: corrupt header (tree depth ${depth}, expected 1 to ${MAX_DEPTH})`);
  }
  if (!(trees >= 1 && trees <= MAX_TREES)) {
    throw new CascadeError(`${label}: corrupt header (tree count ${trees}, expected 1 to ${MAX_TREES})`);
  }
  const leaves = 1 << depth;
  const nodes = leaves - 1;
  const perTree = nodes * 4 + leaves * 4 + 4;
  const expected = HEADER + trees * perTree;
  if (buf.length < expected) {
    throw new CascadeError(
      `${label}: truncated (${buf.length} bytes, ${trees} trees of depth ${depth} need ${expected})`,
    );
  }
  if (buf.length > expected) {
    throw new CascadeError(`${label}: corrupt (${buf.length - expected} bytes after the last tree)`);
  }
  const codes = new Int8Array(trees * leaves * 4);
  const preds = new Float32Array(trees * leaves);
  const thresholds = new Float32Array(trees);
  let at = HEADER;
  for (let t = 0; t < trees; t++) {
    const base = t * leaves * 4 + 4;
    for (let i = 0; i < nodes * 4; i++) codes[base + i] = view.getInt8(at + i);
    at += nodes * 4;
    for (let i = 0; i < leaves; i++) {
      const v = view.getFloat32(at, true);
      if (!Number.isFinite(v)) throw new CascadeError(`${label}: corrupt (tree ${t} has a non-finite leaf)`);
      preds[t * leaves + i] = v;
      at += 4;
    }
    const th = view.getFloat32(at, true);
    if (!Number.isFinite(th))
      throw new CascadeError(`${label}: corrupt (tree ${t} has a non-finite threshold)`);
    thresholds[t] = th;
    at += 4;
  }
  return { depth, trees, codes, preds, thresholds };
}

/** The vendored frontal-face cascade (models/facefinder at the package root). */
export const DEFAULT_CASCADE_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../models/facefinder',
);

/** Reads and parses a cascade file; every failure is a CascadeError without the file's path. */
export function loadCascade(file = DEFAULT_CASCADE_FILE): Cascade {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read error';
    throw new CascadeError(`face detector cascade: cannot be read (${code})`);
  }
  return readCascade(buf);
}
