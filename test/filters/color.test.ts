import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyImageFilters } from '../../src/processor/filters/index.js';
import { isStatus, makeCtx, near, px, readBack, run, solid } from './helpers.js';

const RED = [255, 0, 0];

test('brightness adds amount*255/100 to RGB, keeps alpha', async () => {
  assert.deepEqual(px(await run(solid(4, 4, RED), 'brightness', '100'), 1, 1), [255, 255, 255]);
  assert.deepEqual(px(await run(solid(4, 4, [100, 100, 100]), 'brightness', '-20'), 0, 0), [49, 49, 49]);
  const a = await run(solid(2, 2, [10, 20, 30, 77]), 'brightness', '10');
  assert.deepEqual(px(a, 0, 0), [35, 45, 55, 77]);
  // grey input becomes sRGB
  const g = await run(solid(2, 2, [50]), 'brightness', '10');
  assert.equal(g.channels, 3);
  assert.deepEqual(px(g, 0, 0), [75, 75, 75]);
  assert.deepEqual((await readBack(g)).channels, 3);
  // 0 → untouched
  const same = solid(2, 2, RED);
  assert.equal(await run(same, 'brightness', '0'), same);
  // written without arguments: a no-op, as in imagor
  assert.deepEqual((await run(solid(2, 2, RED), 'brightness', '')).data, solid(2, 2, RED).data);
  await assert.rejects(run(solid(2, 2, RED), 'brightness', 'lots'), isStatus(400));
});

test('contrast uses the 259/255 factor on RGB', async () => {
  const img = solid(2, 2, [200, 100, 128]);
  const out = await run(img, 'contrast', '50');
  const a = 127.5;
  const f = (259 * (a + 255)) / (255 * (259 - a));
  const exp = [200, 100, 128].map((v) => Math.max(0, Math.min(255, f * v + 128 - 128 * f)));
  assert.ok(near(px(out, 0, 0), exp, 1), `${px(out, 0, 0)} vs ${exp}`);
  // −100 → flat grey 128
  assert.ok(near(px(await run(img, 'contrast', '-100'), 1, 1), [128, 128, 128], 1));
  // out of range values are clamped to ±255 in the formula (no crash)
  const hi = await run(img, 'contrast', '1000');
  assert.deepEqual(px(hi, 0, 0), [255, 0, 128]);
  await assert.rejects(run(img, 'contrast', 'x'), isStatus(400));
});

test('hue rotates, saturation/modulate scale, grey stays grey', async () => {
  const h = await run(solid(2, 2, RED), 'hue', '180');
  const [r, g, b] = px(h, 0, 0) as [number, number, number];
  assert.ok(r < 100 && (g > 100 || b > 100), `${[r, g, b]}`);
  const s = await run(solid(2, 2, RED), 'saturation', '-100');
  const [sr, sg, sb] = px(s, 0, 0) as [number, number, number];
  assert.ok(Math.abs(sr - sg) <= 2 && Math.abs(sg - sb) <= 2, `${[sr, sg, sb]}`);
  // below −100 is treated as full desaturation, not an error
  assert.equal((await run(solid(2, 2, RED), 'saturation', '-300')).channels, 3);
  const keep = solid(2, 2, [255, 0, 0, 128]);
  assert.equal(px(await run(keep, 'hue', '90'), 0, 0)[3], 128);
  const m = await run(solid(2, 2, [100, 100, 100]), 'modulate', '100,0,0');
  assert.ok((px(m, 0, 0)[0] ?? 0) > 150);
  await assert.rejects(
    run(solid(2, 2, RED), 'modulate', '1,2'),
    isStatus(400, /Expected 3 arguments for modulate/),
  );
  await assert.rejects(run(solid(2, 2, RED), 'modulate', '1,2,3,4'), isStatus(400));
  await assert.rejects(run(solid(2, 2, RED), 'modulate', 'a,b,c'), isStatus(400));
  assert.deepEqual((await run(solid(2, 2, RED), 'hue', '')).data, solid(2, 2, RED).data);
});

test('rgb adds per channel and needs exactly 3 args', async () => {
  const out = await run(solid(2, 2, [100, 100, 100]), 'rgb', '10,-10,100');
  assert.deepEqual(px(out, 0, 0), [125, 74, 255]);
  await assert.rejects(run(solid(2, 2, RED), 'rgb', '10,10'), isStatus(400, /rgb/));
  assert.deepEqual((await run(solid(2, 2, RED), 'rgb', '')).data, solid(2, 2, RED).data);
  await assert.rejects(run(solid(2, 2, RED), 'rgb', '1,2,z'), isStatus(400, /rgb blue/));
});

test('grayscale → b-w, alpha kept', async () => {
  const g = await run(solid(3, 2, RED), 'grayscale', '');
  assert.equal(g.channels, 1);
  const v = px(g, 0, 0)[0] ?? 0;
  assert.ok(v > 40 && v < 140, `${v}`);
  const ga = await run(solid(3, 2, [0, 255, 0, 99]), 'grayscale', '');
  assert.equal(ga.channels, 2);
  assert.equal(px(ga, 2, 1)[1], 99);
  assert.deepEqual(await readBack(ga), { width: 3, height: 2, channels: 2 });
  // already grey: untouched; extra args ignored
  const grey = solid(2, 2, [9]);
  assert.equal(await run(grey, 'grayscale', 'whatever'), grey);
});

test('invert: red → cyan, alpha preserved', async () => {
  assert.deepEqual(px(await run(solid(4, 4, RED), 'invert', ''), 3, 3), [0, 255, 255]);
  assert.deepEqual(px(await run(solid(2, 2, [255, 0, 0, 50]), 'invert', ''), 0, 0), [0, 255, 255, 50]);
  assert.equal(px(await run(solid(2, 2, [10]), 'invert', ''), 0, 0)[0], 245);
});

test('background_color flattens alpha only', async () => {
  const t = solid(2, 2, [255, 0, 0, 0]);
  const out = await run(t, 'background_color', 'blue');
  assert.equal(out.channels, 3);
  assert.deepEqual(px(out, 0, 0), [0, 0, 255]);
  const half = await run(solid(2, 2, [255, 255, 255, 128]), 'background_color', '000');
  assert.ok(near(px(half, 0, 0), [128, 128, 128], 2));
  const opaque = solid(2, 2, RED);
  assert.equal(await run(opaque, 'background_color', 'blue'), opaque);
  // unknown colour → black
  assert.deepEqual(px(await run(t, 'background_color', 'nonsense'), 0, 0), [0, 0, 0]);
  // auto: the image's average colour (alpha flattened on white)
  const auto = await run(solid(2, 2, [0, 0, 0, 0]), 'background_color', 'auto');
  assert.deepEqual(px(auto, 0, 0), [255, 255, 255]);
  // grey + alpha
  assert.deepEqual(px(await run(solid(2, 2, [0, 0]), 'background_color', 'ff0000'), 1, 1), RED);
});

test('background_color() without a colour leaves the alpha as it is (imagor)', async () => {
  const t = solid(2, 2, [255, 0, 0, 0]);
  const out = await run(t, 'background_color', '');
  assert.equal(out.channels, 4);
  assert.deepEqual(px(out, 0, 0), [255, 0, 0, 0]);
});

test('colour filters work on every frame', async () => {
  const img = solid(2, 2, RED, 3);
  const out = await run(img, 'invert', '');
  assert.equal(out.pages, 3);
  for (let f = 0; f < 3; f++) assert.deepEqual(px(out, 1, 1, f), [0, 255, 255]);
  assert.deepEqual(out.delay, [100, 200, 300]);
});

test('brightness, contrast and rgb chain without clamping in between, as libvips does in float', async () => {
  const ctx = (img: ReturnType<typeof solid>) => makeCtx({}, img);
  const img = solid(2, 2, [20, 120, 240]);
  const chain = [
    { name: 'brightness', args: '-20' },
    { name: 'contrast', args: '50' },
    { name: 'rgb', args: '10,-50,30' },
  ];
  const out = await applyImageFilters(img, chain, ctx(img), {
    disabled: new Set(),
    maxOps: -1,
    disableBlur: false,
  });
  const a = 127.5;
  const f = (259 * (a + 255)) / (255 * (259 - a));
  const exp = [20, 120, 240].map((v, i) => {
    const x = (v - 51) * f + 128 - 128 * f + [25.5, -127.5, 76.5][i]!;
    return Math.max(0, Math.min(255, x));
  });
  // clamping after brightness would give red 25 (0 → −250 → 0 → +25.5); unclamped it stays 0
  assert.ok(near(px(out, 0, 0), exp, 1), `${px(out, 0, 0)} vs ${exp}`);
  // alpha is untouched along the chain
  const withAlpha = solid(1, 1, [20, 120, 240, 99]);
  const outA = await applyImageFilters(withAlpha, chain, ctx(withAlpha), {
    disabled: new Set(),
    maxOps: -1,
    disableBlur: false,
  });
  assert.equal(px(outA, 0, 0)[3], 99);
});
