import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { ImageBlob } from '../../src/blob.js';
import { parse } from '../../src/path/parse.js';
import { createProcessor } from '../../src/processor/process.js';
import type { ProcessContext } from '../../src/types.js';
import { readFixture } from '../helpers/fixtures.js';
import { assertGolden } from '../helpers/golden.js';
import { meta, run } from './helpers.js';

/**
 * Golden outputs of every filter of spec §3.2/§3.3 through the whole processor, keyed by URL path.
 * Each golden was looked at (contact sheets) and checked against imagor's semantics before it was kept.
 */

const L = 'sharp/Landscape_1.jpg';
const GOPHER = 'imagor/gopher-front.png';
const GIF = 'sharp/animated-loop-3.gif';
const WEBP = 'sharp/animated-loop-3.webp';
const BANANA = 'imagor/dancing-banana.gif';

/** A still image URL: Landscape_1 cover-cropped to 240×180, then the filters. */
const still = (filters: string, image = L, geometry = '240x180'): string =>
  `unsafe/${geometry}/filters:${filters}/${image}`;
/** An animated image URL: fitted into 120×120, then the filters. */
const anim = (filters: string, image = GIF): string => `unsafe/fit-in/120x120/filters:${filters}/${image}`;

async function golden(url: string): Promise<void> {
  const out = await run(url);
  await assertGolden(url, out.data);
}

const STILL: string[] = [
  // colour
  still('background_color(red)', GOPHER, 'fit-in/120x120'),
  still('background_color(auto)', GOPHER, 'fit-in/120x120'),
  still('brightness(40)'),
  still('brightness(-40)'),
  still('contrast(60)'),
  still('contrast(-60)'),
  still('hue(120)'),
  still('saturation(-100)'),
  still('saturation(80)'),
  still('modulate(20,-50,90)'),
  still('rgb(40,-20,-40)'),
  still('grayscale()'),
  still('invert()'),
  still('to_colorspace(p3)', 'imagor/jpg-24bit-icc-adobe-rgb.jpg'),
  // blur family
  still('blur(6)'),
  still('blur(2,6)'),
  still('sharpen(2)'),
  still('sharpen(1,2,true)'),
  still('pixelate()'),
  still('pixelate(20)'),
  // transforms
  still('crop(20,10,100,80)'),
  still('crop(0.25,0.25,0.5,0.5)'),
  still('rotate(90)'),
  still('rotate(180)'),
  still('rotate(270)'),
  still('proportion(50)'),
  still('proportion(0.25)'),
  still('trim()', 'imagor/find_trim.png', 'fit-in/240x240'),
  still('trim(50,bottom-right)', 'imagor/find_trim.png', 'fit-in/240x240'),
  // fill / padding / corners
  still('fill(white)', L, 'fit-in/200x200'),
  still('fill(ff0000)', GOPHER, 'fit-in/200x120'),
  still('fill(blur)', L, 'fit-in/200x200'),
  still('fill(auto)', L, 'fit-in/200x200'),
  still('fill(none):format(png)', L, 'fit-in/200x200'),
  still('fill(transparent):format(png)', GOPHER, 'fit-in/200x120'),
  still('fill(yellow)', L, 'fit-in/200x200/10x20'),
  still('padding(blue,10)'),
  still('padding(green,10,20,30,40)'),
  still('round_corner(30)'),
  still('round_corner(20,40):format(png)'),
  still('round_corner(30,30,white)'),
  // overlays
  still('watermark(imagor/gopher-front.png,10,10,0)'),
  still('watermark(imagor/gopher-front.png,-10,-10,50)'),
  still('watermark(imagor/gopher-front.png,center,center,0,30,30)'),
  still('watermark(imagor/gopher-front.png,repeat,repeat,30,20,20)'),
  still('watermark(imagor/gopher-front.png,left,bottom,0,none,50)'),
  still('watermark(imagor/gopher-front.png,10p,-0.1,0,25,25)'),
  still('watermark(imagor/gopher-front.png,l-20,t-20,0,30,30)'),
  still('watermark(imagor/gopher-front.png,r-20,b-20,0,30,30)'),
  still('image(/fit-in/100x100/imagor/gopher-front.png,10,10)'),
  still('image(/fit-in/100x100/filters:grayscale()/imagor/gopher.png,10,10,50,multiply)'),
  still('image(/f-40xf-40/filters:fill(red)/color:blue,20,20,50)'),
  still('image(/fullx60/imagor/demo1.jpg,0,bottom)'),
  still('image(/-80x80/imagor/gopher-front.png,right,top,0,screen)'),
  still('image(/fit-in/120x120/imagor/gopher-front.png,center,center,0,difference)'),
  still('image(/100x100/color:ff0000,center,center,0,mask)'),
  still('image(/100x100/color:ff0000,center,center,0,mask-out)'),
  still('label(imagor,10,10,30,yellow)'),
  still('label(Hello%20world,center,bottom,24,white,40,serif-bold)'),
  still('text(hello,10,10)'),
  still('text(hello%20big%20world,center,center,sans-bold-28,red,0,normal,120,centre)'),
  still('text(b64:aW1hZ29y,right,bottom,serif-24,white,30)'),
  // load-time and misc
  still('focal(0.6x0.1:0.9x0.4)', L, '200x200'),
  still('no_upscale()', L, '900x900'),
  still('upscale()', L, 'fit-in/900x300'),
  still('stretch()', L, '200x300'),
  still('orient(90)', L, '200x150'),
  still('dpi(144)', 'sharp/check.svg', '0x0'),
  still('draw_detections()'),
  still('redact()'),
  still('redact_oval(pixelate)'),
  still('strip_exif()', 'imagor/Canon_40D.jpg', '0x0'),
  still('strip_icc()', 'imagor/jpg-24bit-icc-adobe-rgb.jpg', '200x0'),
  // export filters
  still('format(webp)'),
  still('format(png):palette():bitdepth(4)'),
  still('format(png):compression(9)'),
  still('format(webp):lossless()'),
  still('format(avif):quality(40)'),
  still('quality(5)'),
  still('autojpg()', GOPHER, 'fit-in/120x120'),
  still('strip_metadata()'),
  still('max_bytes(3000)'),
];

const ANIMATED: string[] = [
  anim('brightness(40)'),
  anim('contrast(50)'),
  anim('grayscale()'),
  anim('hue(180)'),
  anim('saturation(-100)', WEBP),
  anim('modulate(0,50,90)'),
  anim('rgb(50,0,0)'),
  anim('invert()'),
  anim('rotate(90)'),
  anim('rotate(270)', BANANA),
  anim('round_corner(20)'),
  anim('fill(white)', BANANA),
  anim('padding(red,10)'),
  anim('pixelate(8)'),
  anim('proportion(50)', BANANA),
  anim('crop(10,10,60,40)'),
  anim('background_color(yellow)', BANANA),
  anim('watermark(imagor/gopher-front.png,-5,-5,0,30,30)'),
  anim('watermark(imagor/dancing-banana.gif,0,0,0,40,40)', BANANA),
  anim('image(/fit-in/40x40/imagor/dancing-banana.gif,center,center)', WEBP),
  anim('label(GIF,5,5,20,red)'),
  anim('text(anim,center,bottom,sans-bold-16,white)', BANANA),
  anim('blur(5)'),
  anim('sharpen(2)'),
  anim('trim()'),
  anim('max_frames(3)'),
  anim('page(3)', BANANA),
  anim('format(webp)', BANANA),
  anim('format(jpeg):fallback_format(webp)', BANANA),
];

const COMPOSITE: string[] = [
  'unsafe/fit-in/400x300/filters:fill(white):watermark(imagor/gopher-front.png,-10,-10,30,20,none):round_corner(20):format(webp)/imagor/demo1.jpg',
  'unsafe/300x200/smart/filters:grayscale():contrast(20):sharpen(1,2,true):quality(70)/sharp/flowers.jpeg',
  'unsafe/fit-in/200x200/10x10/filters:fill(blur):rotate(90):text(hello,center,bottom,sans-bold-20,white)/sharp/Landscape_1.jpg',
  'unsafe/240x180/filters:image(/fit-in/100x100/filters:grayscale()/imagor/gopher.png,10,10,50,multiply):brightness(10):format(png)/sharp/Landscape_1.jpg',
  'unsafe/fit-in/160x160/filters:rotate(270):fill(green):padding(white,5):round_corner(15,15,black)/imagor/gopher-front.png',
  'unsafe/200x200/filters:hue(90):saturation(50):pixelate(5):label(mix,center,center,40,white,20):quality(60):strip_exif()/imagor/demo1.jpg',
  'unsafe/fit-in/120x120/filters:grayscale():rotate(180):watermark(imagor/gopher-front.png,repeat,repeat,50,15,15):format(gif)/imagor/dancing-banana.gif',
  'unsafe/fit-in/300x200/filters:upscale():blur(3):image(/fit-in/80x80/filters:round_corner(40)/imagor/demo1.jpg,center,center,0,normal):text(b64:Y2VudGVy,center,10,sans-14,black,0,normal,f-20,centre)/imagor/demo2.jpg',
];

describe('filter goldens: still image', () => {
  for (const url of STILL) it(url, () => golden(url));
});

describe('filter goldens: animated image', () => {
  for (const url of ANIMATED) it(url, () => golden(url));
});

describe('filter goldens: chained filters', () => {
  for (const url of COMPOSITE) it(url, () => golden(url));
});

/** Raw RGB pixels of an output, decoded. */
async function pixels(buf: Buffer): Promise<{ data: Buffer; width: number; height: number; ch: number }> {
  const { data, info } = await sharp(buf).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, ch: info.channels };
}

function at(img: { data: Buffer; width: number; ch: number }, x: number, y: number): number[] {
  const o = (y * img.width + x) * img.ch;
  return [...img.data.subarray(o, o + img.ch)];
}

function close(a: number[], b: number[], tol = 12): boolean {
  return a.length >= 3 && b.length >= 3 && a.slice(0, 3).every((v, i) => Math.abs(v - (b[i] ?? 0)) <= tol);
}

describe('filter semantics through the processor', () => {
  it('rotate(90) turns counter-clockwise; rotate(270) clockwise', async () => {
    // rotate(0) is a no-op image filter: the reference goes through the same (RawImage) path
    const src = await pixels((await run(`unsafe/120x90/filters:rotate(0):format(png)/${L}`)).data);
    const ccw = await pixels((await run(`unsafe/120x90/filters:rotate(90):format(png)/${L}`)).data);
    const cw = await pixels((await run(`unsafe/120x90/filters:rotate(270):format(png)/${L}`)).data);
    assert.equal(`${ccw.width}x${ccw.height}`, '90x120');
    // CCW: new(x, y) = old(W-1-y, x); CW: new(x, y) = old(y, H-1-x)
    for (const [x, y] of [
      [0, 0],
      [20, 70],
      [89, 119],
      [45, 3],
    ] as const) {
      assert.deepEqual(at(ccw, x, y), at(src, 119 - y, x), `ccw ${x},${y}`);
      assert.deepEqual(at(cw, x, y), at(src, y, 89 - x), `cw ${x},${y}`);
    }
  });

  it('rotate(45) and rotate(-90) are no-ops', async () => {
    for (const a of ['45', '-90', '360', '0']) {
      const m = await meta((await run(`unsafe/120x90/filters:rotate(${a})/${L}`)).data);
      assert.equal(`${m.width}x${m.height}`, '120x90', a);
    }
  });

  it('fill() centres the image in the fit-in box plus the URL paddings', async () => {
    const out = await pixels((await run(`unsafe/fit-in/100x100/10x20/filters:fill(red)/${L}`)).data);
    // 600x450 fits 100x75; box 100x100 + 10 left/right + 20 top/bottom
    assert.equal(`${out.width}x${out.height}`, '120x140');
    assert.ok(close(at(out, 5, 5), [255, 0, 0]));
    assert.ok(close(at(out, 60, 30), [255, 0, 0])); // (100-75)/2 = 12 px band above the image at y 20..32
    assert.ok(!close(at(out, 60, 70), [255, 0, 0], 40));
    // without fill the paddings do nothing
    assert.equal((await meta((await run(`unsafe/fit-in/100x100/10x20/${L}`)).data)).height, 75);
  });

  it('fill() after rotate(90) swaps the box and paddings', async () => {
    const m = await meta((await run(`unsafe/fit-in/100x60/10x0/filters:rotate(90):fill(red)/${L}`)).data);
    // image 80x60 → rotated 60x80; box 100x60 swapped → 60x100, paddings left/right become top/bottom
    assert.equal(`${m.width}x${m.height}`, '60x120');
  });

  it('watermark negative offsets measure from the right/bottom edge', async () => {
    const red = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const redCtx: ProcessContext = {
      signal: new AbortController().signal,
      load: async (key) => (key === 'red.png' ? new ImageBlob(red) : new ImageBlob(readFixture(key))),
    };
    const url = 'unsafe/200x200/filters:watermark(red.png,-10,-10,0)/imagor/demo1.jpg';
    const blob = await createProcessor().process(
      new ImageBlob(readFixture('imagor/demo1.jpg')),
      parse(url),
      redCtx,
    );
    const out = await pixels(blob.data);
    assert.ok(close(at(out, 175, 175), [255, 0, 0]));
    assert.ok(!close(at(out, 195, 195), [255, 0, 0], 40));
    assert.ok(!close(at(out, 165, 165), [255, 0, 0], 40));
  });

  it('text() at center/bottom sits on the bottom edge, horizontally centred', async () => {
    const out = await pixels(
      (await run(`unsafe/200x100/filters:text(IIIIII,center,bottom,sans-bold-20,black)/color:white`)).data,
    );
    let minX = 200;
    let maxX = 0;
    let maxY = 0;
    let minY = 100;
    for (let y = 0; y < out.height; y++) {
      for (let x = 0; x < out.width; x++) {
        if ((at(out, x, y)[0] ?? 255) < 128) {
          minX = Math.min(minX, x);
          maxX = Math.max(maxX, x);
          minY = Math.min(minY, y);
          maxY = Math.max(maxY, y);
        }
      }
    }
    assert.ok(minY > 60, `text top ${minY}`);
    assert.ok(maxY >= 85, `text bottom ${maxY}`);
    assert.ok(Math.abs((minX + maxX) / 2 - 100) <= 6, `centre ${(minX + maxX) / 2}`);
  });

  it('image() blend modes act on the base pixels', async () => {
    const base = 'unsafe/40x40/filters:format(png):image(/40x40/color:808080,0,0,0,MODE)/color:ff8000';
    const px = async (mode: string): Promise<number[]> =>
      at(await pixels((await run(base.replace('MODE', mode))).data), 20, 20);
    assert.ok(close(await px('normal'), [128, 128, 128]));
    assert.ok(close(await px('multiply'), [128, 64, 0]));
    assert.ok(close(await px('screen'), [255, 191, 128]));
    assert.ok(close(await px('darken'), [128, 128, 0]));
    assert.ok(close(await px('lighten'), [255, 128, 128]));
    assert.ok(close(await px('difference'), [127, 0, 128]));
    assert.ok(close(await px('add'), [255, 255, 128]));
    assert.ok(close(await px('unknown'), [128, 128, 128]));
    for (const mode of ['color-burn', 'color-dodge', 'overlay', 'soft-light', 'hard-light', 'exclusion']) {
      assert.equal((await px(mode)).length, 4, mode);
    }
  });
});
