import type { ImageBlob } from '../../blob.js';
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
  /** optional detector plugin (draw_detections, redact, redact_oval); absent → those are no-ops */
  detector?: Detector;
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
