import sharp, { type Sharp } from 'sharp';
import type { ShrinkSide, Size } from './geometry.js';
import { boundWork, checkWork } from './work-scope.js';

/**
 * The working image between pipeline steps: decoded pixels of every frame, stacked vertically.
 * sharp applies the operations of one pipeline in a fixed internal order, whatever order they are
 * called in; filters that must see the result of an earlier step therefore start from a RawImage.
 */
export interface RawImage {
  data: Buffer;
  width: number;
  /** height of one frame */
  pageHeight: number;
  pages: number;
  channels: 1 | 2 | 3 | 4;
  /** per-frame delays in ms, for animated images */
  delay?: number[];
  /** animation loop count (0 = forever) */
  loop?: number;
}

export function totalHeight(img: RawImage): number {
  return img.pageHeight * img.pages;
}

/** The size of one frame. */
export function frameSize(img: RawImage): Size {
  return { width: img.width, height: img.pageHeight };
}

export function hasAlpha(img: RawImage): boolean {
  return img.channels === 2 || img.channels === 4;
}

/**
 * Pipelines made by toSharp() over grey (1/2-band) pixels. sharp's raw output of such a pipeline is
 * sRGB (and its b-w raw output drops alpha), so fromSharp() narrows the result back to grey:
 * operations on a grey image keep it grey, as in libvips.
 */
const greyPipelines = new WeakSet<Sharp>();

/** A sharp pipeline that reads this RawImage (frames kept as pages). */
export function toSharp(img: RawImage): Sharp {
  const p = sharp(img.data, {
    raw: {
      width: img.width,
      height: totalHeight(img),
      channels: img.channels,
      ...(img.pages > 1 ? { pageHeight: img.pageHeight } : {}),
    },
  });
  // sharp's chained methods return the same instance, so the mark survives the chain
  if (img.channels <= 2) greyPipelines.add(p);
  return boundWork(p);
}

/**
 * Resizes an image of size `from` to `to`. With `by`, both axes scale by that side's ratio, as libvips'
 * thumbnail does (the other side comes out rounded, see ShrinkSide); without, each side is scaled to
 * its size on its own (stretch). A rounding that could go either way (a half pixel) takes the second way,
 * which is exact.
 */
export function resizeTo(p: Sharp, from: Size, to: Size, by?: ShrinkSide): Sharp {
  if (by) {
    const factor = by === 'width' ? from.width / to.width : from.height / to.height;
    const other = (by === 'width' ? from.height : from.width) / factor;
    const want = by === 'width' ? to.height : to.width;
    if (Math.round(other) === want && Math.abs((other % 1) - 0.5) > 1e-6) {
      return p.resize(by === 'width' ? { width: to.width } : { height: to.height });
    }
  }
  return p.resize(to.width, to.height, { fit: 'fill' });
}

/**
 * The shrink side for the frames of an image of `pages` frames. libvips' thumbnail of an animated image
 * (one tall strip of frames) rounds the frame height first and scales the height to exactly that, so
 * frames share the one factor only when it comes from the height; a width-driven one leaves the height
 * scaled on its own.
 */
export function framesShrinkSide(by: ShrinkSide | undefined, pages: number): ShrinkSide | undefined {
  return pages > 1 && by === 'width' ? undefined : by;
}

/** R = G = B pixels (with or without alpha) → one grey band (plus alpha). */
function narrowToGrey(data: Buffer, channels: 3 | 4): { data: Buffer; channels: 1 | 2 } {
  const px = data.length / channels;
  const alpha = channels === 4;
  const out = Buffer.allocUnsafe(px * (alpha ? 2 : 1));
  if (alpha) {
    for (let i = 0; i < px; i++) {
      out[2 * i] = data[4 * i] ?? 0;
      out[2 * i + 1] = data[4 * i + 3] ?? 255;
    }
  } else {
    for (let i = 0; i < px; i++) out[i] = data[3 * i] ?? 0;
  }
  return { data: out, channels: alpha ? 2 : 1 };
}

/** Runs a sharp pipeline and decodes it into a RawImage; `pages` says how many frames its output stacks. */
export async function fromSharp(
  pipeline: Sharp,
  pages = 1,
  anim: { delay?: number[] | undefined; loop?: number | undefined } = {},
): Promise<RawImage> {
  checkWork();
  const out = await boundWork(pipeline).raw().toBuffer({ resolveWithObject: true });
  const { info } = out;
  let data: Buffer = out.data;
  let channels = info.channels;
  if (greyPipelines.has(pipeline) && (channels === 3 || channels === 4)) {
    ({ data, channels } = narrowToGrey(data, channels));
  }
  const img: RawImage = {
    data,
    width: info.width,
    pageHeight: Math.floor(info.height / pages),
    pages,
    channels,
  };
  if (anim.delay) img.delay = anim.delay;
  if (anim.loop !== undefined) img.loop = anim.loop;
  return img;
}

/** Splits an animated image into single-frame images (for operations sharp refuses on multi-page input). */
export function splitFrames(img: RawImage): RawImage[] {
  const frameBytes = img.width * img.pageHeight * img.channels;
  const out: RawImage[] = [];
  for (let i = 0; i < img.pages; i++) {
    out.push({
      data: img.data.subarray(i * frameBytes, (i + 1) * frameBytes),
      width: img.width,
      pageHeight: img.pageHeight,
      pages: 1,
      channels: img.channels,
    });
  }
  return out;
}

/** Joins frames of equal size and channel count back into one animated image, keeping timing. */
export function joinFrames(frames: RawImage[], timing: Pick<RawImage, 'delay' | 'loop'> = {}): RawImage {
  const first = frames[0];
  if (!first) throw new Error('joinFrames needs at least one frame');
  const img: RawImage = {
    data: frames.length === 1 ? first.data : Buffer.concat(frames.map((f) => f.data)),
    width: first.width,
    pageHeight: first.pageHeight,
    pages: frames.length,
    channels: first.channels,
  };
  if (timing.delay) img.delay = timing.delay;
  if (timing.loop !== undefined) img.loop = timing.loop;
  return img;
}

const FRAMES_AT_ONCE = 4;

/** Applies `fn` to every frame and joins the results (frames must come back the same size). */
export async function mapFrames(
  img: RawImage,
  fn: (frame: RawImage) => Promise<RawImage>,
): Promise<RawImage> {
  if (img.pages <= 1) return fn(img);
  // a few frames at a time, each after a look at the request: thousands of frames at once would
  // hold thousands of pipelines, and a timed-out request stops between two frames
  const parts = splitFrames(img);
  const frames: RawImage[] = new Array<RawImage>(parts.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < parts.length) {
      const i = next++;
      checkWork();
      frames[i] = await fn(parts[i] as RawImage);
    }
  };
  await Promise.all(Array.from({ length: Math.min(FRAMES_AT_ONCE, parts.length) }, worker));
  return joinFrames(frames, img);
}
