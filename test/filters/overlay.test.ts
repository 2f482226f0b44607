import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { FILTERS } from '../../src/processor/filters/index.js';
import { BLEND_MODES } from '../../src/processor/filters/overlay.js';
import { animated, isStatus, makeCtx, near, px, readBack, run, solid } from './helpers.js';

const WHITE = [255, 255, 255];

async function pngSolid(
  w: number,
  h: number,
  c: { r: number; g: number; b: number; alpha: number },
): Promise<Buffer> {
  return sharp({ create: { width: w, height: h, channels: 4, background: c } })
    .png()
    .toBuffer();
}

test('watermark positions: 0,0 / -0,-0 / center / percent / outside', async () => {
  const base = solid(10, 10, WHITE);
  const images = { 'blue.png': await pngSolid(3, 2, { r: 0, g: 0, b: 255, alpha: 1 }) };
  const wm = (args: string) => run(base, 'watermark', args, makeCtx({ images }, base));
  const tl = await wm('blue.png,0,0,0');
  assert.equal(tl.channels, 4);
  assert.deepEqual(px(tl, 0, 0), [0, 0, 255, 255]);
  assert.deepEqual(px(tl, 2, 1), [0, 0, 255, 255]);
  assert.deepEqual(px(tl, 3, 0), [255, 255, 255, 255]);
  const br = await wm('blue.png,-0,-0,0');
  assert.deepEqual(px(br, 9, 9), [0, 0, 255, 255]);
  assert.deepEqual(px(br, 7, 8), [0, 0, 255, 255]);
  assert.deepEqual(px(br, 6, 9), [255, 255, 255, 255]);
  const c = await wm('blue.png,center,center,0');
  assert.deepEqual(px(c, 3, 4), [0, 0, 255, 255]);
  assert.deepEqual(px(c, 2, 4), [255, 255, 255, 255]);
  const pc = await wm('blue.png,50p,0.5,0');
  assert.deepEqual(px(pc, 5, 5), [0, 0, 255, 255]);
  assert.deepEqual(px(pc, 4, 5), [255, 255, 255, 255]);
  const partly = await wm('blue.png,l-1,t-1,0');
  assert.deepEqual(px(partly, 1, 0), [0, 0, 255, 255]);
  assert.deepEqual(px(partly, 2, 0), [255, 255, 255, 255]);
  // fully outside: nothing to composite, the base comes back untouched
  assert.equal(await wm('blue.png,r-5,0,0'), base);
  assert.equal(await wm('blue.png,100,100,0'), base);
});

test('watermark repeat tiles W/w+1 copies, cropped to the canvas', async () => {
  const base = solid(7, 5, WHITE);
  const images = { 'dot.png': await pngSolid(2, 2, { r: 255, g: 0, b: 0, alpha: 1 }) };
  const out = await run(base, 'watermark', 'dot.png,repeat,repeat,0', makeCtx({ images }, base));
  for (let y = 0; y < 5; y++)
    for (let x = 0; x < 7; x++) assert.deepEqual(px(out, x, y), [255, 0, 0, 255], `${x},${y}`);
  const row = await run(base, 'watermark', 'dot.png,repeat,bottom,0', makeCtx({ images }, base));
  assert.deepEqual(px(row, 6, 4), [255, 0, 0, 255]);
  assert.deepEqual(px(row, 6, 2), [255, 255, 255, 255]);
});

test('watermark repeat of a small overlay over a big canvas paints every tile (one layer, same pixels)', async () => {
  // 1×1 on 600×400: 240 000 placements, composited as one layer
  const base = solid(600, 400, WHITE, 2);
  const images = { 'dot.png': await pngSolid(1, 1, { r: 255, g: 0, b: 0, alpha: 0.5 }) };
  const out = await run(base, 'watermark', 'dot.png,repeat,repeat,0', makeCtx({ images }, base));
  assert.equal(out.pages, 2);
  for (const [x, y, f] of [
    [0, 0, 0],
    [599, 399, 0],
    [300, 200, 1],
    [599, 0, 1],
  ] as const)
    assert.ok(near(px(out, x, y, f), [255, 127, 127, 255], 2), `${x},${y},${f}: ${px(out, x, y, f)}`);
  // a 3×2 overlay: tiles at multiples of its size, the last ones cropped
  const big = solid(100, 50, WHITE);
  const two = { 'k.png': await pngSolid(3, 2, { r: 0, g: 0, b: 0, alpha: 1 }) };
  const tiled = await run(big, 'watermark', 'k.png,repeat,repeat,0', makeCtx({ images: two }, big));
  for (const [x, y] of [
    [0, 0],
    [99, 49],
    [50, 25],
  ] as const)
    assert.deepEqual(px(tiled, x, y), [0, 0, 0, 255]);
  // one row only: the tiles along the bottom edge
  const row = await run(big, 'watermark', 'k.png,repeat,bottom,0', makeCtx({ images: two }, big));
  assert.deepEqual(px(row, 99, 49), [0, 0, 0, 255]);
  assert.deepEqual(px(row, 99, 47), [255, 255, 255, 255]);
});

test('watermark alpha, ratios and none', async () => {
  const base = solid(20, 10, WHITE);
  const images = { 'k.png': await pngSolid(4, 4, { r: 0, g: 0, b: 0, alpha: 1 }) };
  const ctx = makeCtx({ images }, base);
  const half = await run(base, 'watermark', 'k.png,0,0,50', ctx);
  assert.ok(near(px(half, 1, 1), [128, 128, 128, 255], 2), `${px(half, 1, 1)}`);
  assert.equal(await run(base, 'watermark', 'k.png,0,0,100', ctx), base);
  // fitted into 50 % × 50 % = 10×5 → 5×5
  const fit = await run(base, 'watermark', 'k.png,0,0,0,50,50', ctx);
  assert.deepEqual(px(fit, 4, 4), [0, 0, 0, 255]);
  assert.deepEqual(px(fit, 5, 4), [255, 255, 255, 255]);
  // none keeps the full canvas height → 20×10 box → 10×10
  const none = await run(base, 'watermark', 'k.png,0,0,0,none,100', ctx);
  assert.deepEqual(px(none, 9, 9), [0, 0, 0, 255]);
  assert.deepEqual(px(none, 10, 9), [255, 255, 255, 255]);
  // a lone w_ratio is ignored
  const lone = await run(base, 'watermark', 'k.png,0,0,0,50', ctx);
  assert.deepEqual(px(lone, 4, 4), [255, 255, 255, 255]);
  assert.deepEqual(px(lone, 3, 3), [0, 0, 0, 255]);
  // URL-escaped and b64 names
  const esc = makeCtx({ images: { 'a b.png': images['k.png'] } }, base);
  assert.deepEqual(px(await run(base, 'watermark', 'a%20b.png,0,0,0', esc), 0, 0), [0, 0, 0, 255]);
  const b64 = 'b64:' + Buffer.from('a b.png').toString('base64url');
  assert.deepEqual(px(await run(base, 'watermark', `${b64},0,0,0`, esc), 0, 0), [0, 0, 0, 255]);
  assert.deepEqual((await run(base, 'watermark', '', ctx)).data, base.data);
  await assert.rejects(run(base, 'watermark', 'k.png,zz,0,0', ctx), isStatus(400, /watermark x/));
  await assert.rejects(run(base, 'watermark', 'k.png,0,0,much', ctx), isStatus(400, /watermark alpha/));
  await assert.rejects(run(base, 'watermark', 'k.png,0,0,0,x,y', ctx), isStatus(400, /w_ratio/));
});

test('watermark on an animated base: every frame, animated overlay cycles', async () => {
  const anim = animated(6, 6);
  const images = { 'w.png': await pngSolid(2, 2, { r: 255, g: 255, b: 255, alpha: 1 }) };
  const out = await run(anim, 'watermark', 'w.png,-0,-0,0', makeCtx({ images }, anim));
  assert.equal(out.pages, 3);
  assert.equal(out.pageHeight, 6);
  assert.deepEqual(out.delay, [100, 200, 300]);
  assert.equal(out.loop, 0);
  for (let f = 0; f < 3; f++) assert.deepEqual(px(out, 5, 5, f), [255, 255, 255, 255]);
  assert.deepEqual(px(out, 0, 0, 1), [0, 255, 0, 255]);
  // animated overlay (2-frame GIF): base frame i gets overlay frame i % 2
  const gif = await sharp({
    create: { width: 2, height: 4, channels: 3, background: { r: 0, g: 0, b: 0 } },
  })
    .composite([
      {
        input: { create: { width: 2, height: 2, channels: 3, background: { r: 255, g: 255, b: 255 } } },
        top: 2,
        left: 0,
      },
    ])
    .gif({ delay: [50, 50] })
    .toBuffer();
  // turn the 2×4 strip into a 2-page GIF
  const twoPage = await sharp(await sharp(gif).raw().toBuffer(), {
    raw: { width: 2, height: 4, channels: 4, pageHeight: 2 },
  })
    .gif()
    .toBuffer();
  const out2 = await run(anim, 'watermark', 'g.gif,0,0,0', makeCtx({ images: { 'g.gif': twoPage } }, anim));
  assert.deepEqual(px(out2, 0, 0, 0).slice(0, 3), [0, 0, 0]);
  assert.deepEqual(px(out2, 0, 0, 1).slice(0, 3), [255, 255, 255]);
  assert.deepEqual(px(out2, 0, 0, 2).slice(0, 3), [0, 0, 0]);
  assert.deepEqual(await readBack(out2), { width: 6, height: 18, channels: 4 });
});

test('image(): nested path composited with position, alpha and blend', async () => {
  const base = solid(8, 8, [100, 100, 100]);
  let seen: { path: string; parent: { width: number; height: number } } | undefined;
  const ctx = makeCtx(
    {
      nested: async (path, parent) => {
        seen = { path, parent };
        return solid(4, 4, [200, 50, 0]);
      },
    },
    base,
  );
  const out = await run(base, 'image', '/fit-in/4x4/filters:fill(red)/a%20b.png,-0,center', ctx);
  assert.deepEqual(seen, { path: '/fit-in/4x4/filters:fill(red)/a b.png', parent: { width: 8, height: 8 } });
  assert.deepEqual(px(out, 7, 2), [200, 50, 0, 255]);
  assert.deepEqual(px(out, 3, 2), [100, 100, 100, 255]);
  const mul = await run(base, 'image', 'x.png,0,0,0,multiply', ctx);
  assert.ok(near(px(mul, 0, 0), [78, 20, 0, 255], 2), `${px(mul, 0, 0)}`);
  const add = await run(base, 'image', 'x.png,0,0,0,add', ctx);
  assert.deepEqual(px(add, 0, 0), [255, 150, 100, 255]);
  const mask = await run(base, 'image', 'x.png,0,0,0,mask', ctx);
  assert.equal(px(mask, 0, 0)[3], 255);
  assert.equal(px(mask, 7, 7)[3], 0); // outside the overlay the base is masked away
  const maskOut = await run(base, 'image', 'x.png,0,0,0,mask-out', ctx);
  assert.equal(px(maskOut, 0, 0)[3], 0);
  assert.equal(px(maskOut, 7, 7)[3], 255);
  const faint = await run(base, 'image', 'x.png,0,0,50,bogus', ctx);
  assert.ok(near(px(faint, 0, 0), [150, 75, 50, 255], 2), `${px(faint, 0, 0)}`);
  assert.deepEqual((await run(base, 'image', '', ctx)).data, base.data);
  await assert.rejects(run(base, 'image', 'x.png,nope', ctx), isStatus(400, /image x/));
});

test('all 15 imagor blend modes map to sharp blends', () => {
  assert.equal(BLEND_MODES.size, 15);
  assert.equal(BLEND_MODES.get('normal'), 'over');
  assert.equal(BLEND_MODES.get('color-burn'), 'colour-burn');
  assert.equal(BLEND_MODES.get('color-dodge'), 'colour-dodge');
  assert.equal(BLEND_MODES.get('mask'), 'dest-in');
  assert.equal(BLEND_MODES.get('mask-out'), 'dest-out');
  const parse = FILTERS.get('image')?.parse;
  assert.ok(parse);
});

test('every blend mode composites without error', async () => {
  const base = solid(4, 4, [100, 150, 200]);
  const ctx = makeCtx({ nested: async () => solid(2, 2, [200, 100, 50, 200]) }, base);
  for (const name of BLEND_MODES.keys()) {
    const out = await run(base, 'image', `x.png,1,1,0,${name}`, ctx);
    assert.equal(out.width, 4, name);
    assert.equal(out.channels, 4, name);
  }
});
