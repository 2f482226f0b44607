import { ImagorError, toImagorError } from '../../errors.js';
import type { RawImage } from '../image.js';
import { splitArgs } from './args.js';
import { BLUR_FILTERS } from './blur.js';
import { COLOR_FILTERS } from './color.js';
import { COLORSPACE_FILTERS } from './colorspace.js';
import { DETECTION_FILTERS } from './detection.js';
import { FILL_FILTERS } from './fill.js';
import { OVERLAY_FILTERS } from './overlay.js';
import { TEXT_FILTERS } from './text.js';
import { TRANSFORM_FILTERS } from './transform.js';
import { withTiming } from './raw.js';
import type { FilterContext, FilterDef, FilterStage } from './types.js';

export { splitArgs } from './args.js';
export type { Detector, Region } from './detection.js';

/** Filters that never touch pixels in URL order: registered so they are known and counted. */
const marker = (name: string, ...stages: FilterStage[]): FilterDef<string[]> => ({
  name,
  stages,
  parse: (args) => args,
});

const NON_IMAGE: FilterDef<string[]>[] = [
  // load-time
  marker('upscale', 'load'),
  marker('no_upscale', 'load'),
  marker('stretch', 'load'),
  marker('focal', 'load'),
  marker('orient', 'load'),
  marker('page', 'load'),
  marker('dpi', 'load'),
  marker('max_frames', 'load'),
  // export-time (format, fallback_format and max_bytes also steer loading)
  marker('format', 'load', 'export'),
  marker('fallback_format', 'load', 'export'),
  marker('max_bytes', 'load', 'export'),
  marker('quality', 'export'),
  marker('autojpg', 'export'),
  marker('lossless', 'export'),
  marker('palette', 'export'),
  marker('bitdepth', 'export'),
  marker('compression', 'export'),
  marker('strip_metadata', 'export'),
  // server level
  marker('attachment', 'utility'),
  marker('expire', 'utility'),
  marker('max_age', 'utility'),
  marker('preview', 'utility'),
  marker('raw', 'utility'),
  // meta/ only
  marker('blurhash', 'meta'),
  marker('thumbhash', 'meta'),
  marker('avgcolor', 'meta'),
];

function buildRegistry(): ReadonlyMap<string, FilterDef> {
  const all: FilterDef[] = [
    ...COLOR_FILTERS,
    ...BLUR_FILTERS,
    ...FILL_FILTERS,
    ...TRANSFORM_FILTERS,
    ...COLORSPACE_FILTERS,
    ...OVERLAY_FILTERS,
    ...TEXT_FILTERS,
    ...DETECTION_FILTERS,
    ...NON_IMAGE,
  ] as FilterDef[];
  const map = new Map<string, FilterDef>();
  for (const def of all) {
    if (map.has(def.name)) throw new Error(`duplicate filter ${def.name}`);
    map.set(def.name, def);
  }
  return map;
}

/** Every filter imagor v1.9.5 knows, by (case-sensitive) name. */
export const FILTERS: ReadonlyMap<string, FilterDef> = buildRegistry();

export function isKnownFilter(name: string): boolean {
  return FILTERS.has(name);
}

export interface ApplyFiltersOptions {
  /** VIPS_DISABLE_FILTERS */
  disabled: ReadonlySet<string>;
  /** VIPS_MAX_FILTER_OPS: stop at this index of the filter list (all filters count); -1 = unlimited */
  maxOps: number;
  /** VIPS_DISABLE_BLUR: skips blur and sharpen, and fill(blur) falls back to black */
  disableBlur: boolean;
}

const BLUR_NAMES = new Set(['blur', 'sharpen']);

function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw toImagorError(signal.reason);
}

/**
 * Runs the image-stage filters in URL order on the geometry result. Unknown names, non-image
 * filters and disabled ones are skipped; `maxOps` cuts the list at that index. Argument errors
 * are 400s; libvips failures become 406 naming the filter.
 */
export async function applyImageFilters(
  img: RawImage,
  filters: readonly { name: string; args?: string }[],
  ctx: FilterContext,
  opts: ApplyFiltersOptions,
): Promise<RawImage> {
  if (opts.disableBlur) ctx.disableBlur = true;
  let cur = img;
  const limit = opts.maxOps >= 0 ? Math.min(opts.maxOps, filters.length) : filters.length;
  for (let i = 0; i < limit; i++) {
    const f = filters[i];
    if (!f) continue;
    const def = FILTERS.get(f.name);
    if (!def?.apply || !def.stages.includes('image')) continue;
    if (opts.disabled.has(f.name)) continue;
    if (ctx.disableBlur && BLUR_NAMES.has(f.name)) continue;
    // Filters on raw pixels can resolve without waiting on anything, so a long chain would run as
    // one unbroken task: no deadline timer, no heartbeat. A turn of the event loop between filters
    // lets both run.
    if (cur !== img) await new Promise<void>((resolve) => setImmediate(resolve));
    checkAborted(ctx.signal);
    const raw = splitArgs(f.args ?? '');
    let args: unknown;
    try {
      args = def.parse(raw);
    } catch (err) {
      // A filter written without its arguments (`round_corner()`) is a no-op, as in imagor (its own
      // test suite sends such URLs and expects an image); unreadable arguments stay a 400.
      if (raw.length === 0 && err instanceof ImagorError && err.status === 400) continue;
      throw err;
    }
    try {
      cur = withTiming(cur, await def.apply(cur, args, ctx));
    } catch (err) {
      if (err instanceof ImagorError) throw err;
      if (ctx.signal.aborted) throw toImagorError(ctx.signal.reason);
      const msg = err instanceof Error ? err.message.trim() : String(err);
      throw new ImagorError(406, `${f.name}: ${msg}`, { cause: err });
    }
  }
  return cur;
}
