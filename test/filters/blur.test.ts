import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FILTERS } from '../../src/processor/filters/index.js';
import type { RawImage } from '../../src/processor/image.js';
import { animated, isStatus, px, run, solid } from './helpers.js';

/** 16×16 black with the right half white. */
function halves(): RawImage {
  const img = solid(16, 16, [0, 0, 0]);
  for (let y = 0; y < 16; y++) img.data.fill(255, (y * 16 + 8) * 3, (y * 16 + 16) * 3);
  return img;
}

test('blur argument selection as imagor: the one argument or the second of two, halved; 3+ is a no-op', () => {
  const parse = FILTERS.get('blur')?.parse;
  assert.ok(parse);
  assert.equal(parse(['4']), 2);
  assert.equal(parse(['4', '3']), 1.5);
  assert.equal(parse(['4', '3', '9']), 0);
  assert.throws(() => parse([]), isStatus(400, /blur sigma/));
  assert.throws(() => parse(['x']), isStatus(400));
  assert.throws(() => parse(['1', 'y']), isStatus(400));
});

test('blur softens edges; ≤0 and tiny sigma are no-ops; animated skipped', async () => {
  const img = halves();
  const out = await run(img, 'blur', '6');
  const edge = px(out, 7, 8)[0] ?? 0;
  assert.ok(edge > 20 && edge < 235, `${edge}`);
  assert.equal(out.width, 16);
  assert.equal(out.pageHeight, 16);
  assert.equal(await run(img, 'blur', '0'), img);
  assert.equal(await run(img, 'blur', '-3'), img);
  assert.equal(await run(img, 'blur', '0.2'), img);
  // huge sigma is capped, not an error
  assert.equal((await run(img, 'blur', '5000')).width, 16);
  const anim = animated(4, 4);
  assert.equal(await run(anim, 'blur', '5'), anim);
});

test('sharpen: thumbor arg selection, increases edge contrast, animated skipped', async () => {
  const parse = FILTERS.get('sharpen')?.parse;
  assert.ok(parse);
  assert.equal(parse(['2']), 2);
  assert.equal(parse(['2', '1']), 1);
  assert.equal(parse(['2', '1', 'true']), 1);
  assert.throws(() => parse(['']), isStatus(400));
  // sharpen() without arguments sharpens with sigma 1 in imagor (0 → 1 + 2·0)
  assert.equal(parse([]), 0);
  const grey = solid(16, 16, [80, 80, 80]);
  for (let y = 0; y < 16; y++) grey.data.fill(170, (y * 16 + 8) * 3, (y * 16 + 16) * 3);
  const out = await run(grey, 'sharpen', '1');
  assert.ok((px(out, 7, 8)[0] ?? 99) < 80, `dark side ${px(out, 7, 8)}`);
  assert.ok((px(out, 8, 8)[0] ?? 0) > 170, `light side ${px(out, 8, 8)}`);
  // very large values are capped to sharp's range, negatives are no-ops
  assert.equal((await run(grey, 'sharpen', '100')).width, 16);
  assert.equal(await run(grey, 'sharpen', '-5'), grey);
  const anim = animated(4, 4);
  assert.equal(await run(anim, 'sharpen', '2'), anim);
  const bare = await run(grey, 'sharpen', '');
  assert.ok((px(bare, 7, 8)[0] ?? 99) < 80, `sharpen() sharpens: ${px(bare, 7, 8)}`);
});

test('pixelate averages blocks (default 10) per frame and snaps the size to the block grid', async () => {
  const img = halves();
  const out = await run(img, 'pixelate', '4');
  assert.deepEqual([out.width, out.pageHeight], [16, 16]);
  assert.deepEqual(px(out, 0, 0), [0, 0, 0]);
  assert.deepEqual(px(out, 15, 15), [255, 255, 255]);
  // default 10: round(16 / 10) = 2 cells a side, each drawn 10×10 → 20×20
  const d = await run(img, 'pixelate', '');
  assert.deepEqual([d.width, d.pageHeight], [20, 20]);
  assert.deepEqual(px(d, 0, 0), [0, 0, 0]);
  assert.deepEqual(px(d, 9, 19), [0, 0, 0]);
  assert.deepEqual(px(d, 10, 3), [255, 255, 255]);
  // 202×259 at 20 → 10×13 cells → 200×260 (imagor)
  const g = await run(solid(202, 259, [9, 9, 9]), 'pixelate', '20');
  assert.deepEqual([g.width, g.pageHeight], [200, 260]);
  assert.equal(await run(img, 'pixelate', '1'), img);
  assert.equal(await run(img, 'pixelate', '0'), img);
  assert.equal(await run(img, 'pixelate', '-4'), img);
  await assert.rejects(run(img, 'pixelate', 'big'), isStatus(400, /pixelate block size/));
  // larger than the image: one cell, the mean
  assert.deepEqual(px(await run(img, 'pixelate', '100'), 0, 0), [128, 128, 128]);

  const anim = animated(4, 4);
  anim.data[0] = 0; // frame 0 top-left pixel black-ish
  const a = await run(anim, 'pixelate', '2');
  assert.equal(a.pages, 3);
  assert.deepEqual(a.delay, [100, 200, 300]);
  assert.deepEqual(px(a, 0, 0, 0), [191, 0, 0]);
  assert.deepEqual(px(a, 3, 3, 1), [0, 255, 0]);
  assert.deepEqual(px(a, 3, 3, 2), [0, 0, 255]);
});
