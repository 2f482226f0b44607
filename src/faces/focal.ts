import type { FocalRect } from '../processor/geometry.js';
import type { DetectedRegion } from './detector.js';

/** Detected regions (fractions of the image) as focal rectangles in pixels of a width × height image. */
export function focalRectsOf(regions: readonly DetectedRegion[], width: number, height: number): FocalRect[] {
  return regions.map((r) => ({
    left: r.left * width,
    top: r.top * height,
    right: r.right * width,
    bottom: r.bottom * height,
  }));
}

/** A region in whole pixels of a width × height image, clamped to it (imagor's rounding); undefined when empty. */
export function pixelBox(
  r: DetectedRegion,
  width: number,
  height: number,
): { left: number; top: number; width: number; height: number } | undefined {
  let left = Math.round(r.left * width);
  let top = Math.round(r.top * height);
  let w = Math.round(r.right * width) - left;
  let h = Math.round(r.bottom * height) - top;
  if (w <= 0 || h <= 0) return undefined;
  if (left < 0) {
    w += left;
    left = 0;
  }
  if (top < 0) {
    h += top;
    top = 0;
  }
  if (left + w > width) w = width - left;
  if (top + h > height) h = height - top;
  if (w <= 0 || h <= 0) return undefined;
  return { left, top, width: w, height: h };
}
