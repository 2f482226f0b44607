/**
 * Where the image pipeline meets a RegionDetector: which requests detect, the probe each detection
 * runs on, and what the regions become (focal rectangles for smart, boxes for /meta and the filters).
 */
import { toImagorError } from '../errors.js';
import type { Detector as FilterDetector } from '../processor/filters/detection.js';
import { coverSize, focalPoint, type FocalRect, type ResizePlan, type Size } from '../processor/geometry.js';
import type { RawImage } from '../processor/image.js';
import type { DetectedRegion, Probe, RegionDetector } from './detector.js';
import { focalRectsOf, pixelBox } from './focal.js';
import { probeOfImage } from './probe.js';

/** Filters that ask for detection (imagor: these, `smart` and /meta of such a URL). */
export const DETECTION_FILTER_NAMES: ReadonlySet<string> = new Set([
  'draw_detections',
  'redact',
  'redact_oval',
]);

/** A request detects when it says `smart` or uses a detection filter. */
export function wantsDetection(smart: boolean | undefined, filters: readonly { name: string }[]): boolean {
  return smart === true || filters.some((f) => DETECTION_FILTER_NAMES.has(f.name));
}

/**
 * Runs the detector on a probe of `img`. A detector failure is not the request's failure (imagor
 * falls back to the attention crop); an aborted request is.
 */
export async function detectIn(
  d: RegionDetector,
  img: RawImage,
  probeSize: number,
  signal: AbortSignal,
  key?: string,
): Promise<DetectedRegion[]> {
  return detectOnProbe(d, () => probeOfImage(img, probeSize), signal, key);
}

/** As detectIn, with the probe made by `makeProbe` (only when the cache has no answer for `key`). */
export async function detectOnProbe(
  d: RegionDetector,
  makeProbe: () => Promise<Probe>,
  signal: AbortSignal,
  key?: string,
): Promise<DetectedRegion[]> {
  try {
    const hit = key !== undefined ? d.cached?.(key) : undefined;
    if (hit) return hit;
    return await d.detect(await makeProbe(), { key, signal });
  } catch {
    if (signal.aborted) throw toImagorError(signal.reason);
    return [];
  }
}

/** The FilterContext detector: every call detects afresh on the filter's current image (no cache, as imagor). */
export function filterDetector(d: RegionDetector, probeSize: number): FilterDetector {
  return { detect: (img, signal) => detectIn(d, img, probeSize, signal) };
}

/** Cache key of a smart detection: the source image, and the crop/orientation it was detected after. */
export function detectionKey(
  image: string,
  area: { left: number; top: number; width: number; height: number } | undefined,
  orient: number | undefined,
): string {
  let key = image;
  if (orient !== undefined) key += `#orient=${orient}`;
  if (area) key += `#area=${area.left},${area.top},${area.width},${area.height}`;
  return key;
}

/**
 * Focal rectangles of the faces in `img` (pixels of the image before `offset` was cropped away), for
 * the cover crop: imagor turns the detector's regions into focal rectangles and crops around their
 * area-weighted centre. None found: an empty list (the attention crop then applies).
 */
export async function faceFocalRects(
  d: RegionDetector,
  img: RawImage,
  probeSize: number,
  signal: AbortSignal,
  key: string,
  offset?: { left: number; top: number },
): Promise<FocalRect[]> {
  const regions = await detectIn(d, img, probeSize, signal, key);
  return focalRectsOf(regions, img.width, img.pageHeight).map((r) => ({
    left: r.left + (offset?.left ?? 0),
    top: r.top + (offset?.top ?? 0),
    right: r.right + (offset?.left ?? 0),
    bottom: r.bottom + (offset?.top ?? 0),
  }));
}

/**
 * The focal point (fractions of the image's width and height) a smart crop centres on: the
 * area-weighted centre of the regions, which does not depend on the image's size. None: undefined.
 */
export function regionsFocus(regions: readonly DetectedRegion[]): { x: number; y: number } | undefined {
  return focalPoint(focalRectsOf(regions, 1, 1));
}

/** `/meta`'s detected_regions entry: a detector's fields, with edges in pixels of the output image. */
export type MetaRegion = DetectedRegion;

export async function metaRegions(
  d: RegionDetector,
  img: RawImage,
  probeSize: number,
  signal: AbortSignal,
): Promise<MetaRegion[]> {
  const out: MetaRegion[] = [];
  for (const r of await detectIn(d, img, probeSize, signal)) {
    const b = pixelBox(r, img.width, img.pageHeight);
    if (!b) continue;
    out.push({
      left: b.left,
      top: b.top,
      right: b.left + b.width,
      bottom: b.top + b.height,
      score: r.score,
      name: r.name,
    });
  }
  return out;
}

/**
 * The size to decode a source at for a smart cover crop with a detector, when nothing else needs the
 * full-size pixels: the cover size (what libvips would shrink to anyway), but never smaller than the
 * detector's probe, so detection sees what it would see on the full image. Undefined: decode as is.
 */
export function faceDecodeSize(src: Size, plan: ResizePlan, probeSize: number): Size | undefined {
  if (plan.op.kind !== 'cover') return undefined;
  const scaled = coverSize(src.width, src.height, plan.op.width, plan.op.height);
  const coverScale = scaled.width / src.width;
  if (coverScale >= 1) return undefined;
  const probeScale = Math.min(1, probeSize / src.width, probeSize / src.height);
  if (coverScale >= probeScale) return scaled;
  if (probeScale >= 1) return undefined;
  return {
    width: Math.max(1, Math.round(src.width * probeScale)),
    height: Math.max(1, Math.round(src.height * probeScale)),
  };
}
