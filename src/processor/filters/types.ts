import type { ImageBlob } from '../../blob.js';
import type { DecodedCache } from '../cache/decoded.js';
import type { RawImage } from '../image.js';
import type { Detector } from './detection.js';

/**
 * Where a filter acts:
 * - `image`: runs in URL order after geometry, on the RawImage;
 * - `load`: read by the pipeline before decoding (page, dpi, max_frames, orient, upscale, ...);
 * - `export`: only sets output options (format, quality, ...);
 * - `utility`: acts at server level (raw, expire, attachment, ...), never reaches the processor;
 * - `meta`: only with `meta/` (blurhash, thumbhash, avgcolor).
 * Some filters are both `load` and `image` (fill: `auto` is decided at load time, the fill itself runs in order).
 */
export type FilterStage = 'image' | 'load' | 'export' | 'utility' | 'meta';

/** The resolved output box of the geometry step, which `fill`/`padding` need. */
export interface FillBox {
  /** target width/height resolved by geometry (the fit-in box, or the image size when none) */
  width: number;
  height: number;
  paddingLeft: number;
  paddingTop: number;
  paddingRight: number;
  paddingBottom: number;
}

/** Built-in output profiles of sharp that to_colorspace() may target. */
export type ProfileName = 'srgb' | 'p3' | 'cmyk';

/**
 * Colour management state of a request. RawImage pixels are sRGB; the source profile (if any) is
 * applied again at export, or `target` when to_colorspace() asked for another space.
 */
export interface ProfileState {
  /** the ICC profile embedded in the source, if any */
  source?: Buffer | undefined;
  /** set by to_colorspace(): the output is transformed into this profile and tagged with it */
  target?: ProfileName | undefined;
}

export interface CanvasLimits {
  maxWidth: number;
  maxHeight: number;
  maxResolution: number;
}

export interface FilterContext {
  signal: AbortSignal;
  /** Loads an image through the server's storages and loaders (watermark). */
  load(image: string): Promise<ImageBlob>;
  /**
   * Runs a nested imagor path (the `image()` filter) relative to a parent of the given size
   * (`f`/`full` in the nested path) and returns its decoded pixels.
   */
  processNested(path: string, parent: { width: number; height: number }): Promise<RawImage>;
  box: FillBox;
  /** set by rotate(90|270): fill swaps box and paddings */
  rotated: boolean;
  disableBlur: boolean;
  /**
   * Size limits (VIPS_MAX_WIDTH/HEIGHT/RESOLUTION) checked before a filter allocates a larger canvas
   * (fill, padding); absent when the server runs unlimited.
   */
  limits?: CanvasLimits;
  /** colour profile state (absent: the image has no embedded profile) */
  profile?: ProfileState;
  /** optional detector plugin (draw_detections, redact, redact_oval); absent → those are no-ops */
  detector?: Detector;
  /** the decoded-image cache, for watermark() overlays of known size; absent when off */
  cache?: DecodedCache;
}

export interface FilterDef<A = unknown> {
  name: string;
  stages: readonly FilterStage[];
  /** Pure; throws ImagorError 400 with a clear message on arguments that cannot be read. */
  parse(args: string[]): A;
  apply?(img: RawImage, args: A, ctx: FilterContext): Promise<RawImage>;
}

/** Identity helper so each definition is type-checked against FilterDef with its own argument type. */
export function defineFilter<A>(def: FilterDef<A>): FilterDef<A> {
  return def;
}
