import { DetectionCache } from './cache.js';
import type { Cascade } from './cascade.js';
import { clusterDetections } from './cluster.js';
import { runCascade, toGrey } from './pico.js';

/**
 * imagor's Detector contract: a region of interest with edges as fractions (0..1) of the probe's
 * width and height, a score and a class name. Any detector returning these can drive smart crops,
 * draw_detections, redact and /meta.
 */
export interface DetectedRegion {
  left: number;
  top: number;
  right: number;
  bottom: number;
  score: number;
  name: string;
}

/** A downscaled, upright, 8-bit copy of the image (row-major, `channels` bytes a pixel). */
export interface Probe {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

export interface DetectOptions {
  /** source image key for the detection cache; absent: no cache */
  key?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface RegionDetector {
  detect(probe: Probe, opts?: DetectOptions): Promise<DetectedRegion[]>;
  /** the cached answer for a source image key, if any: lets the caller skip making the probe */
  cached?(key: string): DetectedRegion[] | undefined;
}

export interface FaceDetectorStats {
  /** cascade runs */
  detections: number;
  /** answers from the detection cache */
  cacheHits: number;
}

export interface FaceDetector extends RegionDetector {
  readonly stats: FaceDetectorStats;
}

/** imagorface's settings (its flags `-face-detector-*`), sizes in pixels of the probe. */
export interface FaceDetectorOptions {
  cascade: Cascade;
  /** smallest face side (default 20) */
  minSize?: number;
  /** largest face side (default 400; never more than the probe's shorter side) */
  maxSize?: number;
  /** clusters scoring below this are dropped (default 5) */
  minQuality?: number;
  /** hits overlapping by more than this IoU are one face (default 0.2) */
  iouThreshold?: number;
  /** cached results, one per source image key (default 0: no cache) */
  cacheSize?: number;
  /** age in ms after which a cached result is ignored (default 0: never) */
  cacheTtlMs?: number;
  now?: () => number;
}

/** Totals of every detector of this process (for tests and metrics: cascade runs vs cache answers). */
export const FACE_DETECTOR_TOTALS: FaceDetectorStats = { detections: 0, cacheHits: 0 };

export const FACE_DEFAULTS = { minSize: 20, maxSize: 400, minQuality: 5, iouThreshold: 0.2 } as const;

/** PICO face detection with imagorface's scan settings, quality filter and cache. */
export function createFaceDetector(o: FaceDetectorOptions): FaceDetector {
  const minSize = o.minSize ?? FACE_DEFAULTS.minSize;
  const maxSize = o.maxSize ?? FACE_DEFAULTS.maxSize;
  const minQuality = o.minQuality ?? FACE_DEFAULTS.minQuality;
  const iouThreshold = o.iouThreshold ?? FACE_DEFAULTS.iouThreshold;
  const cache =
    (o.cacheSize ?? 0) > 0
      ? new DetectionCache<DetectedRegion[]>(o.cacheSize ?? 0, o.cacheTtlMs ?? 0, o.now)
      : undefined;
  const stats: FaceDetectorStats = { detections: 0, cacheHits: 0 };

  function cached(key: string): DetectedRegion[] | undefined {
    const hit = key !== '' ? cache?.get(key) : undefined;
    if (!hit) return undefined;
    stats.cacheHits++;
    FACE_DETECTOR_TOTALS.cacheHits++;
    return hit.map((r) => ({ ...r }));
  }

  async function detect(probe: Probe, opts: DetectOptions = {}): Promise<DetectedRegion[]> {
    const key = opts.key !== undefined && opts.key !== '' ? opts.key : undefined;
    const hit = key !== undefined ? cached(key) : undefined;
    if (hit) return hit;
    const { width, height } = probe;
    if (width <= 0 || height <= 0 || probe.data.length < width * height * probe.channels) return [];
    stats.detections++;
    FACE_DETECTOR_TOTALS.detections++;
    const grey = toGrey(probe.data, width, height, probe.channels);
    const hits = await runCascade(
      o.cascade,
      grey,
      { minSize, maxSize: Math.min(maxSize, width, height), shiftFactor: 0.1, scaleFactor: 1.1 },
      opts.signal,
    );
    const regions: DetectedRegion[] = [];
    for (const d of clusterDetections(hits, iouThreshold)) {
      if (d.q < minQuality) continue;
      const half = d.scale / 2;
      const left = Math.max(0, d.col - half) / width;
      const top = Math.max(0, d.row - half) / height;
      const right = Math.min(width, d.col + half) / width;
      const bottom = Math.min(height, d.row + half) / height;
      if (right > left && bottom > top) {
        regions.push({ left, top, right, bottom, score: Math.round(d.q * 100) / 100, name: 'face' });
      }
    }
    if (cache && key !== undefined)
      cache.set(
        key,
        regions.map((r) => ({ ...r })),
      );
    return regions;
  }

  return { detect, cached, stats };
}
