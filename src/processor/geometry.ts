/**
 * Pure geometry of imagor's URL parts (v1.9.5): manual crop, trim intersection, target sizes of the
 * resize modes and the crop anchors. No image library here; process.ts turns the plans into sharp calls.
 */

export interface Size {
  width: number;
  height: number;
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Exclusive edges, in pixels of the image the crop applies to. */
export interface Edges {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export type HAlign = 'left' | 'right' | 'center';
export type VAlign = 'top' | 'bottom' | 'middle';

/** Size as displayed: EXIF orientations 5..8 swap width and height. */
export function orientedSize(width: number, height: number, orientation: number | undefined): Size {
  return orientation !== undefined && orientation > 4 ? { width: height, height: width } : { width, height };
}

/**
 * The manual crop of the URL (`AxB:CxD`) in pixels of an image of the given size, or undefined when
 * there is none. imagor's rules: relative when left<1, top<1, right≤1 and bottom≤1 (rounded to
 * pixels); right/bottom 0 mean the image edge; right/bottom are clamped to width-1/height-1 (so even a
 * "full" crop loses the last column and row: reproduced on purpose). Negative left/top count as 0.
 */
export function manualCropEdges(
  crop: {
    left?: number | undefined;
    top?: number | undefined;
    right?: number | undefined;
    bottom?: number | undefined;
  },
  width: number,
  height: number,
): Edges | undefined {
  const l0 = crop.left ?? 0;
  const t0 = crop.top ?? 0;
  const r0 = crop.right ?? 0;
  const b0 = crop.bottom ?? 0;
  // any positive edge makes a crop: `50x50:0x0` cuts from 50,50 to the right/bottom edge
  if (!(l0 > 0 || t0 > 0 || r0 > 0 || b0 > 0)) return undefined;
  let left = Math.max(0, l0);
  let top = Math.max(0, t0);
  let right = r0;
  let bottom = b0;
  if (l0 < 1 && t0 < 1 && r0 <= 1 && b0 <= 1) {
    left = Math.round(left * width);
    top = Math.round(top * height);
    right = Math.round(right * width);
    bottom = Math.round(bottom * height);
  }
  if (right === 0) right = width - 1;
  if (bottom === 0) bottom = height - 1;
  right = Math.min(right, width - 1);
  bottom = Math.min(bottom, height - 1);
  return {
    left: Math.floor(left),
    top: Math.floor(top),
    right: Math.floor(right),
    bottom: Math.floor(bottom),
  };
}

/**
 * The area to extract given an optional manual crop and an optional trim box (both in pixels of the
 * same image): their intersection. Undefined when nothing is to be cut or the result is empty.
 */
export function extractArea(
  crop: Edges | undefined,
  trim: Rect | undefined,
  width: number,
  height: number,
): Rect | undefined {
  if (!crop && !trim) return undefined;
  let e: Edges = crop ?? { left: 0, top: 0, right: width, bottom: height };
  if (trim) {
    e = {
      left: Math.max(e.left, trim.left),
      top: Math.max(e.top, trim.top),
      right: Math.min(e.right, trim.left + trim.width),
      bottom: Math.min(e.bottom, trim.top + trim.height),
    };
  }
  e = {
    left: Math.max(0, e.left),
    top: Math.max(0, e.top),
    right: Math.min(width, e.right),
    bottom: Math.min(height, e.bottom),
  };
  if (e.right - e.left <= 0 || e.bottom - e.top <= 0) return undefined;
  if (e.left === 0 && e.top === 0 && e.right === width && e.bottom === height) return undefined;
  return { left: e.left, top: e.top, width: e.right - e.left, height: e.bottom - e.top };
}

export interface ResizeRequest {
  /** URL width/height (0 = proportional); flips already taken out */
  width: number;
  height: number;
  fitIn: boolean;
  fullFitIn: boolean;
  adaptive: boolean;
  stretch: boolean;
  /** true with upscale(), false with no_upscale(), undefined when neither filter is present (last wins) */
  upscale?: boolean | undefined;
  /** bound for a missing dimension (VIPS_MAX_WIDTH/HEIGHT) */
  maxWidth: number;
  maxHeight: number;
  /**
   * imagor resizes while loading (its thumbnail path, see resizesOnLoad()): the image planned is
   * the source as loaded, and the URL size goes straight to libvips' thumbnail.
   */
  onLoad?: boolean | undefined;
  hAlign?: HAlign | undefined;
  vAlign?: VAlign | undefined;
  smart?: boolean | undefined;
  /** focal() regions are set: the cover window is placed on them (the caller computes it) */
  focal?: boolean | undefined;
}

/** Where the cover window sits on the scaled image. */
export type CoverAnchor = { kind: 'align'; x: Anchor; y: Anchor } | { kind: 'smart' } | { kind: 'focal' };

/** What the resize step does to an image; sizes are the exact output size. */
export type ResizeOp =
  | { kind: 'none' }
  /** resize to `scaled` (by the factor of side `by`), then cut a width×height window placed by `anchor` */
  | { kind: 'cover'; width: number; height: number; scaled: Size; by: ShrinkSide; anchor: CoverAnchor }
  /** resize to width×height: by the factor of side `by`, or each side on its own (stretch) when absent */
  | { kind: 'scale'; width: number; height: number; by?: ShrinkSide };

/**
 * libvips' thumbnail shrinks both axes by one factor; the side of the result that the factor was taken
 * from is exact, the other is rounded. Resizing by that side's ratio (rather than squeezing each side
 * to its rounded size) gives imagor's pixels: e.g. 121×128 fitted in 100×100 is 95×100 at 1/1.28 on
 * both axes, not 95/121 across.
 */
export type ShrinkSide = 'width' | 'height';

export interface ResizePlan {
  /** the resolved target w×h (the fill() canvas before paddings) */
  box: Size;
  op: ResizeOp;
}

/**
 * The size libvips' thumbnail gives an image of iw×ih for a w×h box: one shrink factor for both
 * axes, the larger of the two (fit inside) or the smaller (cover, cropped afterwards), never
 * below 1 with size "down"; each side is rounded to the nearest pixel.
 */
export function thumbnailSize(
  iw: number,
  ih: number,
  bw: number,
  bh: number,
  mode: 'fit' | 'cover',
  size: 'both' | 'down' = 'both',
): Size {
  const hs = iw / Math.max(1, bw);
  const vs = ih / Math.max(1, bh);
  let s = mode === 'cover' ? Math.min(hs, vs) : Math.max(hs, vs);
  if (size === 'down') s = Math.max(1, s);
  return { width: Math.max(1, Math.round(iw / s)), height: Math.max(1, Math.round(ih / s)) };
}

/** The side of thumbnailSize()'s result whose ratio to the image is its one shrink factor. */
export function shrinkSide(
  iw: number,
  ih: number,
  bw: number,
  bh: number,
  mode: 'fit' | 'cover',
): ShrinkSide {
  const hs = iw / Math.max(1, bw);
  const vs = ih / Math.max(1, bh);
  // (when size "down" keeps the factor at 1 the result is the image itself: either side is exact)
  return (mode === 'cover' ? hs <= vs : hs >= vs) ? 'width' : 'height';
}

/**
 * Whether imagor v1.9.5 resizes while loading (libvips thumbnail from the source) rather than
 * loading the whole image and resizing after crop/trim. Trim, a vertical flip, full-fit-in,
 * adaptive-fit-in, a manual crop and the filters fill(auto)/background_color(auto), orient(N>0),
 * max_bytes(N>0), trim, focal and rotate all make it load the whole image. The two ways round
 * sizes differently (e.g. `0x50` of a 100×68 image is 74×50 on load, 73×50 after).
 */
export function resizesOnLoad(p: {
  trim?: boolean | undefined;
  vFlip?: boolean | undefined;
  fullFitIn?: boolean | undefined;
  adaptive?: boolean | undefined;
  crop: boolean;
  filters: readonly { name: string; args?: string | undefined }[];
}): boolean {
  if (p.trim || p.vFlip || p.fullFitIn || p.adaptive || p.crop) return false;
  for (const f of p.filters) {
    const args = f.args ?? '';
    switch (f.name) {
      case 'fill':
      case 'background_color':
        if (args.split(',')[0] === 'auto') return false;
        break;
      case 'orient':
      case 'max_bytes':
        if (/^[+-]?\d+$/.test(args) && Number(args) > 0) return false;
        break;
      case 'trim':
      case 'focal':
      case 'rotate':
        return false;
    }
  }
  return true;
}

/**
 * Plans the resize of an image of size `img` for the URL size and modes, following imagor v1.9.5.
 * Upscaling is on by default except for plain fit-in; upscale()/no_upscale() override.
 * On load (req.onLoad): fit-in fits the box (a missing side bounded by the max size), stretch
 * forces W×H, a cover size W×H covers then crops (no_upscale keeps the native scale and crops
 * what fits), a single size fits W×max or max×H. After load: adaptive swaps the box when the
 * orientations differ; 0 is proportional (floor, not enlarged without upscale); full-fit-in
 * grows the box to the image's aspect (ceil) and fits it; fit-in fits; stretch forces; the
 * default covers (upscaling the other side even with no_upscale) and crops. Sizes round as
 * libvips' thumbnail does.
 */
export function planResize(img: Size, req: ResizeRequest): ResizePlan {
  const iw = Math.max(1, img.width);
  const ih = Math.max(1, img.height);
  const upscale = req.upscale ?? !(req.fitIn && !req.fullFitIn);
  const W = Math.max(0, Math.floor(req.width));
  const H = Math.max(0, Math.floor(req.height));
  if (req.onLoad) {
    const p = planOnLoad(iw, ih, W, H, upscale, req);
    if (p) return p;
  }
  return planAfterLoad(iw, ih, W, H, upscale, req);
}

function scaleOp(t: Size, iw: number, ih: number, by?: ShrinkSide): ResizeOp {
  if (t.width === iw && t.height === ih) return { kind: 'none' };
  return by ? { kind: 'scale', ...t, by } : { kind: 'scale', ...t };
}

/** thumbnailSize() as a scale op (one factor for both axes). */
function fitOp(iw: number, ih: number, bw: number, bh: number, size: 'both' | 'down' = 'both'): ResizeOp {
  return scaleOp(thumbnailSize(iw, ih, bw, bh, 'fit', size), iw, ih, shrinkSide(iw, ih, bw, bh, 'fit'));
}

function coverOp(
  iw: number,
  ih: number,
  w: number,
  h: number,
  anchor: CoverAnchor,
  size: 'both' | 'down' = 'both',
): ResizeOp {
  const scaled = thumbnailSize(iw, ih, w, h, 'cover', size);
  const width = Math.min(w, scaled.width);
  const height = Math.min(h, scaled.height);
  if (scaled.width === iw && scaled.height === ih && width === iw && height === ih) return { kind: 'none' };
  return { kind: 'cover', width, height, scaled, by: shrinkSide(iw, ih, w, h, 'cover'), anchor };
}

/** imagor's interest for a cover crop made on load; undefined when it loads the whole image instead. */
function onLoadAnchor(req: ResizeRequest): CoverAnchor | undefined {
  const h = req.hAlign;
  const v = req.vAlign;
  if (req.smart) return { kind: 'smart' };
  if ((v === 'top' && !h) || (h === 'left' && !v)) return { kind: 'align', x: 'low', y: 'low' };
  if ((v === 'bottom' && !h) || (h === 'right' && !v)) return { kind: 'align', x: 'high', y: 'high' };
  if ((!v || v === 'middle') && (!h || h === 'center')) return { kind: 'align', x: 'centre', y: 'centre' };
  return undefined;
}

function planOnLoad(
  iw: number,
  ih: number,
  W: number,
  H: number,
  upscale: boolean,
  req: ResizeRequest,
): ResizePlan | undefined {
  const size = upscale ? 'both' : 'down';
  if (!req.fitIn && req.stretch) {
    if (W === 0 || H === 0) return undefined;
    return { box: { width: W, height: H }, op: scaleOp({ width: W, height: H }, iw, ih) };
  }
  if (!req.fitIn && W > 0 && H > 0) {
    const anchor = onLoadAnchor(req);
    if (!anchor) return undefined;
    return { box: { width: W, height: H }, op: coverOp(iw, ih, W, H, anchor, size) };
  }
  if (W === 0 && H === 0) return undefined;
  const [bw, bh] = [W || req.maxWidth, H || req.maxHeight];
  const t = thumbnailSize(iw, ih, bw, bh, 'fit', size);
  return { box: proportionalBox(t.width, t.height, W, H, upscale), op: fitOp(iw, ih, bw, bh, size) };
}

function planAfterLoad(
  iw: number,
  ih: number,
  W: number,
  H: number,
  upscale: boolean,
  req: ResizeRequest,
): ResizePlan {
  let w = W;
  let h = H;
  if (req.adaptive && w > 0 && h > 0 && iw / ih > 1 !== w / h > 1) [w, h] = [h, w];
  ({ width: w, height: h } = proportionalBox(iw, ih, w, h, upscale));
  if (req.fitIn) {
    if (req.fullFitIn && w > 0 && h > 0) {
      const imgAspect = iw / ih;
      if (imgAspect < w / h) h = Math.ceil(w / imgAspect);
      else w = Math.ceil(h * imgAspect);
    }
    const box = { width: w, height: h };
    if (!(upscale || w < iw || h < ih)) return { box, op: { kind: 'none' } };
    return { box, op: fitOp(iw, ih, w, h) };
  }
  const box = { width: w, height: h };
  if (req.stretch) {
    if (upscale || (w < iw && h < ih)) return { box, op: scaleOp(box, iw, ih) };
    return { box, op: { kind: 'none' } };
  }
  if (!(upscale || w < iw || h < ih)) return { box, op: { kind: 'none' } };
  let anchor: CoverAnchor;
  if (req.focal) anchor = { kind: 'focal' };
  else if (req.smart) anchor = { kind: 'smart' };
  else if (w / h > iw / ih) anchor = { kind: 'align', x: 'centre', y: vAnchor(req.vAlign) };
  else anchor = { kind: 'align', x: hAnchor(req.hAlign), y: 'centre' };
  return { box, op: coverOp(iw, ih, w, h, anchor) };
}

/** 0 = proportional (floor); both 0 = the image size; a computed side is not enlarged without upscale. */
function proportionalBox(iw: number, ih: number, w: number, h: number, upscale: boolean): Size {
  if (w === 0 && h === 0) return { width: iw, height: ih };
  if (w === 0) {
    let cw = Math.max(1, Math.floor((iw * h) / ih));
    if (!upscale && cw > iw) cw = iw;
    return { width: cw, height: h };
  }
  if (h === 0) {
    let ch = Math.max(1, Math.floor((ih * w) / iw));
    if (!upscale && ch > ih) ch = ih;
    return { width: w, height: ch };
  }
  return { width: w, height: h };
}

/** Largest size of the image's aspect inside bw×bh (libvips' thumbnail rounding). */
export function fitInside(iw: number, ih: number, bw: number, bh: number): Size {
  return thumbnailSize(iw, ih, bw, bh, 'fit');
}

/** Smallest size of the image's aspect covering bw×bh (libvips' thumbnail rounding). */
export function coverSize(iw: number, ih: number, bw: number, bh: number): Size {
  return thumbnailSize(iw, ih, bw, bh, 'cover');
}

/** The window of a cover op on its scaled image for an align anchor. */
export function coverWindow(scaled: Size, target: Size, x: Anchor, y: Anchor): Rect {
  const width = Math.min(target.width, scaled.width);
  const height = Math.min(target.height, scaled.height);
  return {
    left: anchorOffset(scaled.width, width, x),
    top: anchorOffset(scaled.height, height, y),
    width,
    height,
  };
}

export type Anchor = 'low' | 'centre' | 'high';

/** Offset of a window of `size` inside `total` for an anchor (libvips' low/centre/high). */
export function anchorOffset(total: number, size: number, anchor: Anchor): number {
  const excess = Math.max(0, total - size);
  if (anchor === 'low') return 0;
  if (anchor === 'high') return excess;
  return Math.floor(excess / 2);
}

export function hAnchor(a: HAlign | undefined): Anchor {
  return a === 'left' ? 'low' : a === 'right' ? 'high' : 'centre';
}

export function vAnchor(a: VAlign | undefined): Anchor {
  return a === 'top' ? 'low' : a === 'bottom' ? 'high' : 'centre';
}

/**
 * Cover crop of an image already scaled to `scaled` (covering `target`): the window, anchored by the
 * alignment of the axis that has the excess (imagor uses v-align when the excess is vertical, else h-align).
 */
export function alignedCrop(
  scaled: Size,
  target: Size,
  hAlign: HAlign | undefined,
  vAlign: VAlign | undefined,
): Rect {
  const width = Math.min(target.width, scaled.width);
  const height = Math.min(target.height, scaled.height);
  return {
    left: anchorOffset(scaled.width, width, hAnchor(hAlign)),
    top: anchorOffset(scaled.height, height, vAnchor(vAlign)),
    width,
    height,
  };
}

/** A focal rectangle in pixels of the source (a point is a 1×1 rectangle). */
export interface FocalRect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Area-weighted centroid of focal rectangles (imagor's parseFocalPoint). */
export function focalPoint(rects: readonly FocalRect[]): { x: number; y: number } | undefined {
  let sum = 0;
  for (const r of rects) sum += Math.max(0, r.right - r.left) * Math.max(0, r.bottom - r.top);
  if (rects.length === 0) return undefined;
  if (sum <= 0) {
    const n = rects.length;
    return {
      x: rects.reduce((a, r) => a + (r.left + r.right) / 2, 0) / n,
      y: rects.reduce((a, r) => a + (r.top + r.bottom) / 2, 0) / n,
    };
  }
  let x = 0;
  let y = 0;
  for (const r of rects) {
    const weight = (Math.max(0, r.right - r.left) * Math.max(0, r.bottom - r.top)) / sum;
    x += ((r.left + r.right) / 2) * weight;
    y += ((r.top + r.bottom) / 2) * weight;
  }
  return { x, y };
}

/**
 * Cover crop centred on a focal point given as a fraction (0..1) of the scaled image, clamped so the
 * window stays inside and truncated to whole pixels (imagor's focal thumbnail).
 */
export function focalCrop(scaled: Size, target: Size, fx: number, fy: number): Rect {
  const width = Math.min(target.width, scaled.width);
  const height = Math.min(target.height, scaled.height);
  const place = (total: number, size: number, f: number): number =>
    Math.trunc(Math.max(0, Math.min(total * f - size / 2, total - size)));
  return {
    left: place(scaled.width, width, fx),
    top: place(scaled.height, height, fy),
    width,
    height,
  };
}

/**
 * Reads a focal() argument: `AxB:CxD` region or `X,Y`/`XxY`/`X:Y` point. Values all below 1 are
 * fractions of `size` (the image before crop/resize). Undefined when unreadable.
 */
export function parseFocal(arg: string, size: Size): FocalRect | undefined {
  const nums = arg
    .split(/[x,:]/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (nums.some((n) => !Number.isFinite(n))) return undefined;
  let rect: FocalRect;
  if (nums.length === 4) {
    rect = { left: nums[0] ?? 0, top: nums[1] ?? 0, right: nums[2] ?? 0, bottom: nums[3] ?? 0 };
  } else if (nums.length === 2) {
    const x = nums[0] ?? 0;
    const y = nums[1] ?? 0;
    if (x < 1 && y < 1) {
      const px = x * size.width;
      const py = y * size.height;
      return { left: px, top: py, right: px + 1, bottom: py + 1 };
    }
    return { left: x, top: y, right: x + 1, bottom: y + 1 };
  } else return undefined;
  if (rect.left < 1 && rect.top < 1 && rect.right <= 1 && rect.bottom <= 1) {
    rect = {
      left: rect.left * size.width,
      top: rect.top * size.height,
      right: rect.right * size.width,
      bottom: rect.bottom * size.height,
    };
  }
  if (rect.right <= rect.left || rect.bottom <= rect.top) return undefined;
  return rect;
}

/**
 * Frames to load from an animated image (imagor): VIPS_MAX_ANIMATION_FRAMES where -1 means all and
 * 0 or < -1 means one; max_frames(N) lowers it when N > 0 (other values are ignored). Returns -1
 * for all.
 */
export function frameLimit(maxFramesFilter: number | undefined, maxAnimationFrames: number): number {
  let n = Number.isFinite(maxAnimationFrames) ? Math.floor(maxAnimationFrames) : -1;
  if (n === 0 || n < -1) n = 1;
  const f = maxFramesFilter;
  if (f !== undefined && Number.isFinite(f) && f > 0 && (n === -1 || f < n)) n = Math.floor(f);
  return n;
}

/** Size of a color: image: none → 1×1, one side → square, capped to the max size. */
export function colorImageSize(width: number, height: number, maxWidth: number, maxHeight: number): Size {
  let w = Math.max(0, Math.floor(width));
  let h = Math.max(0, Math.floor(height));
  if (w === 0 && h === 0) return { width: 1, height: 1 };
  if (w === 0) w = h;
  if (h === 0) h = w;
  return { width: Math.min(w, maxWidth), height: Math.min(h, maxHeight) };
}
