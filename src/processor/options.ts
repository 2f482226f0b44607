import type { DecodedCacheOptions } from './cache/decoded.js';
import type { RegionDetector } from '../faces/detector.js';

/** Settings of the image processor (imagor's `VIPS_*` options). */
export interface ProcessorOptions {
  /** widest image accepted after load (VIPS_MAX_WIDTH) */
  maxWidth: number;
  /** tallest frame accepted after load (VIPS_MAX_HEIGHT) */
  maxHeight: number;
  /** most pixels (width × total height) accepted after load (VIPS_MAX_RESOLUTION) */
  maxResolution: number;
  /**
   * most pixels of all frames together (width × frame height × frames) of an animation at any step
   * (decoded, resized, filtered): every frame is held decoded in memory, unlike one libvips image
   */
  maxAnimationPixels: number;
  /** removes the limits above and libvips' own input pixel limit */
  unlimited: boolean;
  /** frames loaded from animated GIF/WebP: -1 all, 0 or < -1 one */
  maxAnimationFrames: number;
  /** filters run per request, counting every filter of the URL; -1 (or 0) unlimited */
  maxFilterOps: number;
  /** makes blur and sharpen no-ops */
  disableBlur: boolean;
  /** filter names that are skipped everywhere */
  disableFilters: string[];
  /** AVIF encoder speed 0..9 (effort = 9 - speed) */
  avifSpeed: number;
  /** JPEG output with mozjpeg defaults */
  mozjpeg: boolean;
  /** never keep EXIF/ICC/XMP in the output */
  stripMetadata: boolean;
  /** convert to sRGB and drop the ICC profile of every output */
  stripColorProfile: boolean;
  /** libvips threads per operation; -1 = one per core, 0 leaves sharp's default */
  concurrency: number;
  /** the decoded-image cache (`-vips-cache-*`); absent or size 0: none */
  cache?: DecodedCacheOptions | undefined;
  /** finds regions of interest for smart, draw_detections, redact and /meta (-face-detector); absent: none */
  detector?: RegionDetector | undefined;
  /** longest side of the downscaled copy handed to the detector (-vips-detector-probe-size) */
  detectorProbeSize: number;
}

export const DEFAULT_MAX_WIDTH = 9999;
export const DEFAULT_MAX_HEIGHT = 9999;
export const DEFAULT_MAX_RESOLUTION = 81_000_000;
/** 128 MB of RGBA frames: with a copy in flight, two such requests stay well inside a 1 GiB tree */
export const DEFAULT_MAX_ANIMATION_PIXELS = 32_000_000;

export const DEFAULT_PROCESSOR_OPTIONS: Readonly<ProcessorOptions> = Object.freeze({
  maxWidth: DEFAULT_MAX_WIDTH,
  maxHeight: DEFAULT_MAX_HEIGHT,
  maxResolution: DEFAULT_MAX_RESOLUTION,
  maxAnimationPixels: DEFAULT_MAX_ANIMATION_PIXELS,
  unlimited: false,
  maxAnimationFrames: -1,
  maxFilterOps: -1,
  disableBlur: false,
  disableFilters: [],
  avifSpeed: 8,
  mozjpeg: false,
  stripMetadata: false,
  stripColorProfile: false,
  concurrency: 0,
  detectorProbeSize: 400,
});

/**
 * Fills the options a caller left out with the defaults. As in imagor's configuration, 0 (or a
 * negative value) for the max width/height/resolution means the default.
 */
export function resolveProcessorOptions(partial: Partial<ProcessorOptions> = {}): ProcessorOptions {
  const o: ProcessorOptions = { ...DEFAULT_PROCESSOR_OPTIONS, disableFilters: [] };
  for (const [key, value] of Object.entries(partial) as [keyof ProcessorOptions, unknown][]) {
    if (value !== undefined) (o as unknown as Record<string, unknown>)[key] = value;
  }
  if (!(o.maxWidth > 0)) o.maxWidth = DEFAULT_MAX_WIDTH;
  if (!(o.maxHeight > 0)) o.maxHeight = DEFAULT_MAX_HEIGHT;
  if (!(o.maxResolution > 0)) o.maxResolution = DEFAULT_MAX_RESOLUTION;
  if (!(o.maxAnimationPixels > 0)) o.maxAnimationPixels = DEFAULT_MAX_ANIMATION_PIXELS;
  if (!(o.detectorProbeSize > 0)) o.detectorProbeSize = 400;
  if (!Number.isFinite(o.avifSpeed)) o.avifSpeed = 8;
  o.avifSpeed = Math.min(9, Math.max(0, Math.round(o.avifSpeed)));
  o.disableFilters = [...o.disableFilters];
  return o;
}
