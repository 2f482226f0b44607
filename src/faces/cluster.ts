import type { Detection } from './pico.js';

/** Intersection over union of two square windows given by centre and side. */
export function iou(a: Detection, b: Detection): number {
  const overRows = Math.max(
    0,
    Math.min(a.row + a.scale / 2, b.row + b.scale / 2) - Math.max(a.row - a.scale / 2, b.row - b.scale / 2),
  );
  const overCols = Math.max(
    0,
    Math.min(a.col + a.scale / 2, b.col + b.scale / 2) - Math.max(a.col - a.scale / 2, b.col - b.scale / 2),
  );
  const inter = overRows * overCols;
  const union = a.scale * a.scale + b.scale * b.scale - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Groups overlapping hits, strongest first: each not yet taken hit seeds a cluster of itself and
 * every later untaken hit overlapping it by more than `threshold` IoU. A cluster's window is the
 * integer mean of its members' centres and sides; its confidence is the sum of theirs, so a face hit
 * by many windows scores high and a lone stray hit stays low (the quality filter drops it).
 */
export function clusterDetections(dets: readonly Detection[], threshold: number): Detection[] {
  const sorted = [...dets].sort((x, y) => y.q - x.q);
  const taken = new Uint8Array(sorted.length);
  const out: Detection[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const seed = sorted[i];
    if (!seed || taken[i]) continue;
    let row = 0;
    let col = 0;
    let scale = 0;
    let q = 0;
    let n = 0;
    for (let j = i; j < sorted.length; j++) {
      const d = sorted[j];
      if (!d || taken[j]) continue;
      if (j !== i && iou(seed, d) <= threshold) continue;
      taken[j] = 1;
      row += d.row;
      col += d.col;
      scale += d.scale;
      q += d.q;
      n++;
    }
    out.push({ row: Math.trunc(row / n), col: Math.trunc(col / n), scale: Math.trunc(scale / n), q });
  }
  return out;
}
