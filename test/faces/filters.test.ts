import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FILTERS } from '../../src/processor/filters/index.js';
import { paletteColor, type Detector } from '../../src/processor/filters/detection.js';
import { animated, makeCtx, near, px, run, solid } from '../filters/helpers.js';

const WHITE = [255, 255, 255];

/** Regions as fractions of a 12x12 image: (2,2)–(8,8), and one off the image. */
const detector: Detector = {
  detect: () =>
    Promise.resolve([
      { left: 2 / 12, top: 2 / 12, right: 8 / 12, bottom: 8 / 12, score: 9, name: 'face' },
      { left: 1.5, top: 1.5, right: 2, bottom: 2, score: 9, name: 'face' },
    ]),
};

test('redact fills, blurs or pixelates exactly the region', async () => {
  const img = solid(12, 12, WHITE);
  const ctx = () => ({ ...makeCtx({}, img), detector });
  const red = await run(img, 'redact', 'red', ctx());
  assert.deepEqual(px(red, 2, 2), [255, 0, 0]);
  assert.deepEqual(px(red, 7, 7), [255, 0, 0]);
  assert.deepEqual(px(red, 8, 8), WHITE);
  assert.deepEqual(px(red, 1, 1), WHITE);
  const black = await run(img, 'redact', 'BLACK', ctx());
  assert.deepEqual(px(black, 5, 5), [0, 0, 0]);
  assert.equal((await run(img, 'redact', '', ctx())).width, 12);
  assert.deepEqual(px(await run(img, 'redact', 'pixelate,3', ctx()), 3, 3), WHITE);
});

test('redact_oval spares the corners of the region and covers its centre', async () => {
  const img = solid(12, 12, WHITE);
  const oval = await run(img, 'redact_oval', 'blue', { ...makeCtx({}, img), detector });
  // the ellipse is anti-aliased (librsvg, as in imagor): a corner pixel is at most grazed
  assert.ok(near(px(oval, 2, 2), WHITE, 10), String(px(oval, 2, 2)));
  assert.deepEqual(px(oval, 5, 5), [0, 0, 255]);
  assert.deepEqual(px(oval, 9, 9), WHITE);
});

test('redact reads its strength as imagor does: a bad one means the default', () => {
  const parse = FILTERS.get('redact')?.parse;
  assert.ok(parse);
  assert.deepEqual(parse(['blur', 'much']), { mode: { kind: 'blur' }, strength: undefined });
  assert.deepEqual(parse(['pixelate', '4']), { mode: { kind: 'pixelate' }, strength: 4 });
  assert.deepEqual(parse(['blur', '0']), { mode: { kind: 'blur' }, strength: undefined });
});

test('draw_detections draws a 1 px box in the palette colour of the class name', async () => {
  const img = solid(12, 12, WHITE);
  const boxes = await run(img, 'draw_detections', '', { ...makeCtx({}, img), detector });
  const ink = [...paletteColor('face')];
  assert.deepEqual(ink, [0x33, 0xff, 0x66]);
  for (const [x, y] of [
    [2, 2],
    [7, 2],
    [2, 7],
    [7, 7],
    [5, 2],
  ] as const) {
    assert.deepEqual(px(boxes, x, y), ink, `${x},${y}`);
  }
  assert.deepEqual(px(boxes, 3, 3), WHITE);
  assert.deepEqual(px(boxes, 8, 8), WHITE);
});

test('on animated images redact is skipped and boxes go on the first frame', async () => {
  const anim = animated(12, 12);
  const ctx = { ...makeCtx({}, anim), detector };
  assert.equal(await run(anim, 'redact', 'red', ctx), anim);
  const ab = await run(anim, 'draw_detections', '', ctx);
  assert.deepEqual(px(ab, 2, 2, 0), [...paletteColor('face')]);
  assert.deepEqual(px(ab, 2, 2, 1), [0, 255, 0]);
  assert.deepEqual(ab.delay, [100, 200, 300]);
});
