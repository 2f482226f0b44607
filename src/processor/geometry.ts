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
  if (!(r0 - l0 > 0 || b0 - t0 > 0)) return undefined;
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
  /** bound for a missing fit-in dimension (VIPS_MAX_WIDTH/HEIGHT) */
  maxWidth: number;
  maxHeight: number;
}

/** What the resize step does to an image; sizes are the exact output size. */
export type ResizeOp =
  | { kind: 'none' }
  | { kind: 'cover'; width: number; height: number }
  | { kind: 'scale'; width: number; height: number };

export interface ResizePlan {
  /** the resolved target w×h (fill() canvas before paddings) */
  box: Size;
  op: ResizeOp;
}

/**
 * Plans the resize of an image of size `img` (already cropped/trimmed, upright) for the URL size and
 * modes, following imagor: adaptive swap; 0 = proportional (both 0 = original size); default cover
 * mode upscales unless no_upscale(); fit-in never upscales unless upscale() and bounds a missing
 * dimension by the max size; full-fit-in covers the box without cropping (ceil), upscaling allowed;
 * stretch forces W×H (fit-in wins when both are set).
 */
export function planResize(img: Size, req: ResizeRequest): ResizePlan {
  const iw = Math.max(1, img.width);
  const ih = Math.max(1, img.height);
  let w = Math.max(0, Math.floor(req.width));
  let h = Math.max(0, Math.floor(req.height));
  if (req.adaptive && req.fitIn && ((iw > ih && w < h) || (iw < ih && w > h))) [w, h] = [h, w];

  if (req.fitIn && req.fullFitIn) return planFullFitIn(iw, ih, w, h, req.upscale ?? true);
  if (req.fitIn) return planFitIn(iw, ih, w, h, req.upscale ?? false, req.maxWidth, req.maxHeight);

  const upscale = req.upscale ?? true;
  const box = proportionalBox(iw, ih, w, h, upscale);
  if (req.stretch) {
    if (upscale || (box.width < iw && box.height < ih)) {
      return { box, op: sameSize(box, iw, ih) ? { kind: 'none' } : { kind: 'scale', ...box } };
    }
    return { box, op: { kind: 'none' } };
  }
  if (upscale || box.width < iw || box.height < ih) {
    return { box, op: sameSize(box, iw, ih) ? { kind: 'none' } : { kind: 'cover', ...box } };
  }
  return { box, op: { kind: 'none' } };
}

function sameSize(s: Size, iw: number, ih: number): boolean {
  return s.width === iw && s.height === ih;
}

/** 0 = proportional; both 0 = the image size; a computed side is not enlarged without upscale. */
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

/** Largest size of the image's aspect inside bw×bh (the bound side exact). */
export function fitInside(iw: number, ih: number, bw: number, bh: number): Size {
  const sx = bw / iw;
  const sy = bh / ih;
  if (sx <= sy) return { width: bw, height: Math.max(1, Math.min(bh, Math.round(ih * sx))) };
  return { width: Math.max(1, Math.min(bw, Math.round(iw * sy))), height: bh };
}

/** Smallest size of the image's aspect covering bw×bh (the matching side exact, the other ceil). */
export function coverSize(iw: number, ih: number, bw: number, bh: number): Size {
  const sx = bw / iw;
  const sy = bh / ih;
  if (sx >= sy) return { width: bw, height: Math.max(bh, Math.ceil(ih * sx - 1e-9)) };
  return { width: Math.max(bw, Math.ceil(iw * sy - 1e-9)), height: bh };
}

function planFitIn(
  iw: number,
  ih: number,
  w: number,
  h: number,
  upscale: boolean,
  maxW: number,
  maxH: number,
): ResizePlan {
  const box = proportionalBox(iw, ih, w, h, upscale);
  if (w === 0 && h === 0) return { box, op: { kind: 'none' } };
  const bw = w === 0 ? Math.max(maxW, 1) : w;
  const bh = h === 0 ? Math.max(maxH, 1) : h;
  if (!(upscale || bw < iw || bh < ih)) return { box, op: { kind: 'none' } };
  const out = fitInside(iw, ih, bw, bh);
  return { box, op: sameSize(out, iw, ih) ? { kind: 'none' } : { kind: 'scale', ...out } };
}

function planFullFitIn(iw: number, ih: number, w: number, h: number, upscale: boolean): ResizePlan {
  const box = proportionalBox(iw, ih, w, h, upscale);
  if (w === 0 && h === 0) return { box, op: { kind: 'none' } };
  const out =
    w === 0
      ? { width: Math.max(1, Math.ceil((iw * h) / ih - 1e-9)), height: h }
      : h === 0
        ? { width: w, height: Math.max(1, Math.ceil((ih * w) / iw - 1e-9)) }
        : coverSize(iw, ih, w, h);
  if (!upscale && (out.width > iw || out.height > ih)) return { box, op: { kind: 'none' } };
  return { box, op: sameSize(out, iw, ih) ? { kind: 'none' } : { kind: 'scale', ...out } };
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
 * window stays inside.
 */
export function focalCrop(scaled: Size, target: Size, fx: number, fy: number): Rect {
  const width = Math.min(target.width, scaled.width);
  const height = Math.min(target.height, scaled.height);
  const clamp = (v: number, max: number): number => Math.min(Math.max(0, v), max);
  return {
    left: clamp(Math.round(fx * scaled.width - width / 2), scaled.width - width),
    top: clamp(Math.round(fy * scaled.height - height / 2), scaled.height - height),
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
 * Frames to load from an animated image: min of max_frames() and VIPS_MAX_ANIMATION_FRAMES where -1
 * (or absent) means all and 0 or < -1 means one. Returns -1 for all.
 */
export function frameLimit(maxFramesFilter: number | undefined, maxAnimationFrames: number): number {
  const norm = (n: number | undefined): number => {
    if (n === undefined || n === -1) return -1;
    if (!Number.isFinite(n) || n === 0 || n < -1) return 1;
    return Math.floor(n);
  };
  const a = norm(maxFramesFilter);
  const b = norm(maxAnimationFrames);
  if (a === -1) return b;
  if (b === -1) return a;
  return Math.min(a, b);
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
