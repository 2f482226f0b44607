import sharp from 'sharp';
import { ImageBlob } from '../../src/blob.js';
import { applyImageFilters } from '../../src/processor/filters/index.js';
import type { FilterContext } from '../../src/processor/filters/types.js';
import { toSharp, type RawImage } from '../../src/processor/image.js';

export type Pixel = number[];

/** A single-frame image filled with one pixel value (its length is the channel count). */
export function solid(width: number, height: number, pixel: Pixel, pages = 1): RawImage {
  const channels = pixel.length as RawImage['channels'];
  const data = Buffer.alloc(width * height * pages * channels);
  for (let i = 0; i < width * height * pages; i++) data.set(pixel, i * channels);
  const img: RawImage = { data, width, pageHeight: height, pages, channels };
  if (pages > 1) {
    img.delay = Array.from({ length: pages }, (_, i) => 100 * (i + 1));
    img.loop = 0;
  }
  return img;
}

/** An image from rows of pixels (one frame). */
export function fromRows(rows: Pixel[][]): RawImage {
  const height = rows.length;
  const width = rows[0]?.length ?? 0;
  const channels = (rows[0]?.[0]?.length ?? 3) as RawImage['channels'];
  const data = Buffer.from(rows.flat(2));
  return { data, width, pageHeight: height, pages: 1, channels };
}

/** Three frames (red, green, blue) with delays 100/200/300 ms. */
export function animated(width: number, height: number): RawImage {
  const frames = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
  ];
  const data = Buffer.concat(frames.map((p) => solid(width, height, p).data));
  return { data, width, pageHeight: height, pages: 3, channels: 3, delay: [100, 200, 300], loop: 0 };
}

export function px(img: RawImage, x: number, y: number, frame = 0): Pixel {
  const o = ((frame * img.pageHeight + y) * img.width + x) * img.channels;
  return [...img.data.subarray(o, o + img.channels)];
}

/** Decodes the image back through sharp (PNG round-trip) and reports what sharp sees. */
export async function readBack(img: RawImage): Promise<{ width: number; height: number; channels: number }> {
  // raw 1/2-band input is read as sRGB by sharp unless told it is grey
  const s = img.channels <= 2 ? toSharp(img).toColourspace('b-w') : toSharp(img);
  const png = await s.png().toBuffer();
  const meta = await sharp(png).metadata();
  return { width: meta.width, height: meta.height, channels: meta.channels };
}

export function near(a: Pixel, b: Pixel, tol = 2): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= tol);
}

export interface TestCtxOptions {
  box?: Partial<FilterContext['box']>;
  images?: Record<string, Buffer>;
  nested?: (path: string, parent: { width: number; height: number }) => Promise<RawImage>;
  rotated?: boolean;
}

export function makeCtx(o: TestCtxOptions = {}, img?: RawImage): FilterContext {
  return {
    signal: new AbortController().signal,
    load: async (name: string) => {
      const data = o.images?.[name];
      if (!data) throw new Error(`no test image ${name}`);
      return new ImageBlob(data);
    },
    processNested: async (path, parent) => {
      if (!o.nested) throw new Error('no nested');
      return o.nested(path, parent);
    },
    box: {
      width: img?.width ?? 0,
      height: img?.pageHeight ?? 0,
      paddingLeft: 0,
      paddingTop: 0,
      paddingRight: 0,
      paddingBottom: 0,
      ...o.box,
    },
    rotated: o.rotated ?? false,
    disableBlur: false,
  };
}

/** Applies one filter through the registry, as the pipeline will. */
export async function run(
  img: RawImage,
  name: string,
  args: string,
  ctx: FilterContext = makeCtx({}, img),
): Promise<RawImage> {
  return applyImageFilters(img, [{ name, args }], ctx, {
    disabled: new Set(),
    maxOps: -1,
    disableBlur: false,
  });
}

/** Rejects with an ImagorError of that status. */
export function isStatus(status: number, re?: RegExp): (err: unknown) => boolean {
  return (err: unknown) =>
    err instanceof Error &&
    (err as Error & { status?: number }).status === status &&
    (re === undefined || re.test(err.message));
}

export async function pngOf(img: RawImage): Promise<Buffer> {
  return toSharp(img).png().toBuffer();
}
