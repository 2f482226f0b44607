import { parseColorArg, type ColorArg } from '../color.js';
import { fromSharp, hasAlpha, toSharp, type RawImage } from '../image.js';
import { defineFilter } from './types.js';
import { readNumber, requireCount } from './args.js';
import { averageColor, flattenOnto, toRGB, withTiming } from './raw.js';

/**
 * libvips keeps the result of `linear` in float, so a run of brightness/contrast/rgb filters in
 * imagor is one affine map with a single clamp to 0..255 at the end. Each 8-bit result made here
 * remembers the image it came from and the map so far; the next linear filter applied to that very
 * result starts again from the remembered image with the combined map.
 */
interface LinearChain {
  base: RawImage;
  mul: [number, number, number];
  add: [number, number, number];
}
const linearChains = new WeakMap<RawImage, LinearChain>();

/** out = mul·x + add on R,G,B (alpha untouched), after making the image sRGB. */
async function linearRGB(
  img: RawImage,
  mul: readonly [number, number, number],
  add: readonly [number, number, number],
): Promise<RawImage> {
  const prev = linearChains.get(img);
  const chain: LinearChain = prev
    ? {
        base: prev.base,
        mul: [prev.mul[0] * mul[0], prev.mul[1] * mul[1], prev.mul[2] * mul[2]],
        add: [prev.add[0] * mul[0] + add[0], prev.add[1] * mul[1] + add[1], prev.add[2] * mul[2] + add[2]],
      }
    : { base: toRGB(img), mul: [...mul], add: [...add] };
  const rgb = chain.base;
  const a = rgb.channels === 4 ? [...chain.mul, 1] : [...chain.mul];
  const b = rgb.channels === 4 ? [...chain.add, 0] : [...chain.add];
  const out = withTiming(img, await fromSharp(toSharp(rgb).linear(a, b), rgb.pages));
  linearChains.set(out, chain);
  return out;
}

async function modulate(
  img: RawImage,
  opts: { brightness?: number; saturation?: number; hue?: number },
): Promise<RawImage> {
  const rgb = toRGB(img);
  const o: { brightness?: number; saturation?: number; hue?: number } = {};
  // sharp refuses negative multipliers; a multiplier of 0 is black / fully desaturated already.
  if (opts.brightness !== undefined && opts.brightness !== 1) o.brightness = Math.max(0, opts.brightness);
  if (opts.saturation !== undefined && opts.saturation !== 1) o.saturation = Math.max(0, opts.saturation);
  if (opts.hue !== undefined) {
    const h = Math.round(opts.hue) % 360;
    if (h !== 0) o.hue = h;
  }
  if (Object.keys(o).length === 0) return img;
  return withTiming(img, await fromSharp(toSharp(rgb).modulate(o), rgb.pages));
}

export const brightness = defineFilter<number>({
  name: 'brightness',
  stages: ['image'],
  parse: (args) => readNumber(args[0], 'brightness amount'),
  apply: async (img, amount) => {
    if (amount === 0) return img;
    const d = (amount * 255) / 100;
    return linearRGB(img, [1, 1, 1], [d, d, d]);
  },
});

export const contrast = defineFilter<number>({
  name: 'contrast',
  stages: ['image'],
  parse: (args) => readNumber(args[0], 'contrast amount'),
  apply: async (img, amount) => {
    const a = Math.max(-255, Math.min(255, amount * 2.55));
    if (a === 0) return img;
    const f = (259 * (a + 255)) / (255 * (259 - a));
    const off = 128 - 128 * f;
    return linearRGB(img, [f, f, f], [off, off, off]);
  },
});

export const hue = defineFilter<number>({
  name: 'hue',
  stages: ['image'],
  parse: (args) => readNumber(args[0], 'hue angle'),
  apply: (img, angle) => modulate(img, { hue: angle }),
});

export const saturation = defineFilter<number>({
  name: 'saturation',
  stages: ['image'],
  parse: (args) => readNumber(args[0], 'saturation amount'),
  apply: (img, amount) => modulate(img, { saturation: 1 + amount / 100 }),
});

export const modulateFilter = defineFilter<[number, number, number]>({
  name: 'modulate',
  stages: ['image'],
  parse: (args) => {
    requireCount(args, 3, 'modulate');
    return [
      readNumber(args[0], 'modulate brightness'),
      readNumber(args[1], 'modulate saturation'),
      readNumber(args[2], 'modulate hue'),
    ];
  },
  apply: (img, [b, s, h]) => modulate(img, { brightness: 1 + b / 100, saturation: 1 + s / 100, hue: h }),
});

export const rgb = defineFilter<[number, number, number]>({
  name: 'rgb',
  stages: ['image'],
  parse: (args) => {
    requireCount(args, 3, 'rgb');
    return [
      readNumber(args[0], 'rgb red'),
      readNumber(args[1], 'rgb green'),
      readNumber(args[2], 'rgb blue'),
    ];
  },
  apply: async (img, [r, g, b]) => {
    if (r === 0 && g === 0 && b === 0) return img;
    const k = (v: number): number => (v * 255) / 100;
    return linearRGB(img, [1, 1, 1], [k(r), k(g), k(b)]);
  },
});

export const grayscale = defineFilter<null>({
  name: 'grayscale',
  stages: ['image'],
  parse: () => null,
  apply: async (img) => {
    if (img.channels <= 2) return img;
    // sharp drops alpha when writing b-w raw output, so grey the colour part and re-attach alpha.
    const grey = await fromSharp(toSharp(img).removeAlpha().toColourspace('b-w'), img.pages);
    if (img.channels === 3) return withTiming(img, grey);
    const px = img.width * img.pageHeight * img.pages;
    const data = Buffer.allocUnsafe(px * 2);
    for (let i = 0; i < px; i++) {
      data[2 * i] = grey.data[i] ?? 0;
      data[2 * i + 1] = img.data[4 * i + 3] ?? 255;
    }
    return withTiming(img, { ...grey, data, channels: 2 });
  },
});

export const invert = defineFilter<null>({
  name: 'invert',
  stages: ['image'],
  parse: () => null,
  apply: async (img) => withTiming(img, await fromSharp(toSharp(img).negate({ alpha: false }), img.pages)),
});

export const backgroundColor = defineFilter<ColorArg>({
  name: 'background_color',
  stages: ['load', 'image'],
  // no colour at all (`background_color()`) leaves the image as it is, as in imagor
  parse: (args) => parseColorArg((args[0] ?? '') === '' ? 'none' : (args[0] ?? '')),
  apply: async (img, c) => {
    if (!hasAlpha(img)) return img;
    if (c.kind === 'color') return flattenOnto(img, c.color);
    if (c.kind === 'auto') return flattenOnto(img, await averageColor(img));
    // `blur` is not a colour (→ black); `none`/`transparent` keeps the alpha.
    if (c.kind === 'blur') return flattenOnto(img, { r: 0, g: 0, b: 0 });
    return img;
  },
});

export const COLOR_FILTERS = [
  brightness,
  contrast,
  hue,
  saturation,
  modulateFilter,
  rgb,
  grayscale,
  invert,
  backgroundColor,
];
