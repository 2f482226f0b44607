import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { meta, run } from './helpers.js';

/** Geometry rules of imagor v1.9.5 through the whole processor (sizes as a user sees them). */

async function size(url: string, opts?: Parameters<typeof run>[1]): Promise<string> {
  const m = await meta((await run(url, opts)).data);
  return `${m.width}x${m.pageHeight ?? m.height}`;
}

const GOPHER = 'imagor/gopher-front.png'; // 202×259, alpha
const BANANA = 'imagor/dancing-banana.gif'; // 121×128, 8 frames
const CANON = 'imagor/Canon_40D.jpg'; // 100×68
const TRIM = 'imagor/find_trim.png'; // 512×320

describe('imagor geometry: manual crop', () => {
  it('0 right/bottom edges reach the image edge (minus one)', async () => {
    assert.equal(await size(`unsafe/50x50:0x0/${TRIM}`), '461x269');
  });
  it('the trim() filter runs on the cropped image', async () => {
    assert.equal(await size(`unsafe/50x50:0x0/filters:trim(50,bottom-right)/${TRIM}`), '352x238');
  });
});

describe('imagor geometry: resize rounding', () => {
  it('full-fit-in grows the box by ceil and fits it with rounding', async () => {
    assert.equal(await size(`unsafe/full-fit-in/30x39/${GOPHER}`), '30x39');
    assert.equal(await size(`unsafe/full-fit-in/102x30/${CANON}`), '102x69');
  });
  it('full-fit-in with fill() pads to the grown box', async () => {
    // box 31×39 (ceil), image 30×39 → filled to 31×39
    assert.equal(await size(`unsafe/full-fit-in/30x39/filters:fill(white)/${GOPHER}`), '31x39');
  });
  it('a single size made on load rounds the other side', async () => {
    assert.equal(await size(`unsafe/0x50/filters:fill(white):format(jpg)/${CANON}`), '74x50');
  });
  it('no_upscale() with a cover size larger than the source keeps the native scale', async () => {
    assert.equal(await size(`unsafe/500x200/filters:no_upscale()/${GOPHER}`), '202x200');
  });
  it('a cover crop of an animated image rounds the scaled side (121×128 → 189×200 → 100×200)', async () => {
    const left = await run(`unsafe/100x200/left/${BANANA}`);
    const right = await run(`unsafe/100x200/right/${BANANA}`);
    const m = await meta(left.data);
    assert.equal(`${m.width}x${m.pageHeight}`, '100x200');
    assert.equal(m.pages, 8);
    // the right window starts 89 px in: its first column is the scaled image's column 89
    const a = await sharp(left.data).extract({ left: 89, top: 0, width: 11, height: 200 }).raw().toBuffer();
    const b = await sharp(right.data).extract({ left: 0, top: 0, width: 11, height: 200 }).raw().toBuffer();
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
    assert.ok(diff / a.length < 8, `overlap differs by ${diff / a.length}`);
  });
});

describe('imagor geometry: filters', () => {
  it('proportion() with missing, huge, tiny or negative values leaves the image', async () => {
    assert.equal(
      await size(
        `unsafe/filters:proportion():proportion(9999):proportion(0.0000000001):proportion(-10)/${GOPHER}`,
      ),
      '202x259',
    );
  });
  it('pixelate() snaps the output size to the block grid', async () => {
    assert.equal(await size(`unsafe/filters:pixelate(20)/${GOPHER}`), '200x260');
  });
});

describe('imagor geometry: animation frames', () => {
  it('a frame limit above the frame count loads every frame', async () => {
    const m = await meta((await run(`unsafe/200x100/top/${BANANA}`, { maxAnimationFrames: 100 })).data);
    assert.equal(m.pages, 8);
    assert.equal(`${m.width}x${m.pageHeight}`, '200x100');
  });
});
