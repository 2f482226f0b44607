import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FILTERS } from '../../src/processor/filters/index.js';
import { paletteColor, type Detector } from '../../src/processor/filters/detection.js';
import { animated, isStatus, makeCtx, px, run, solid } from './helpers.js';

const WHITE = [255, 255, 255];

test('strip_exif / strip_icc are export-stage markers; to_colorspace is a pixel no-op', async () => {
  assert.deepEqual(FILTERS.get('strip_exif')?.stages, ['export']);
  assert.deepEqual(FILTERS.get('strip_icc')?.stages, ['export']);
  const img = solid(2, 2, [1, 2, 3]);
  assert.equal(await run(img, 'strip_exif', ''), img);
  assert.equal(await run(img, 'strip_icc', ''), img);
  for (const a of ['', 'srgb', 'p3', 'cmyk', 'garbage'])
    assert.equal(await run(img, 'to_colorspace', a), img);
  assert.equal(FILTERS.get('to_colorspace')?.parse([]), 'srgb');
});

test('detection filters are no-ops without a detector', async () => {
  const img = solid(4, 4, WHITE);
  for (const [name, args] of [
    ['draw_detections', ''],
    ['redact', ''],
    ['redact', 'pixelate,5'],
    ['redact_oval', 'red'],
  ] as const) {
    assert.equal(await run(img, name, args), img, name);
  }
  await assert.rejects(run(img, 'redact', 'blur,much'), isStatus(400, /redact strength/));
});

test('with a detector: redact colours/pixelates regions, redact_oval spares corners, boxes are drawn', async () => {
  const detector: Detector = {
    detect: async () => [
      { left: 2, top: 2, width: 6, height: 6, name: 'face' },
      { left: 50, top: 50, width: 4, height: 4 },
    ],
  };
  const img = solid(12, 12, WHITE);
  const ctx = () => ({ ...makeCtx({}, img), detector });
  const red = await run(img, 'redact', 'red', ctx());
  assert.deepEqual(px(red, 2, 2), [255, 0, 0]);
  assert.deepEqual(px(red, 7, 7), [255, 0, 0]);
  assert.deepEqual(px(red, 8, 8), WHITE);
  const oval = await run(img, 'redact_oval', 'blue', ctx());
  assert.deepEqual(px(oval, 2, 2), WHITE);
  assert.deepEqual(px(oval, 5, 5), [0, 0, 255]);
  const blurred = await run(img, 'redact', '', ctx());
  assert.equal(blurred.width, 12);
  const pix = await run(img, 'redact', 'pixelate,3', ctx());
  assert.deepEqual(px(pix, 3, 3), WHITE);
  const boxes = await run(img, 'draw_detections', '', ctx());
  assert.deepEqual(px(boxes, 2, 2), [...paletteColor('face')]);
  assert.deepEqual(px(boxes, 5, 5), WHITE);
  // animated: redact skipped, boxes drawn on every frame
  const anim = animated(12, 12);
  const actx = { ...makeCtx({}, anim), detector };
  assert.equal(await run(anim, 'redact', 'red', actx), anim);
  const ab = await run(anim, 'draw_detections', '', actx);
  assert.deepEqual(px(ab, 2, 2, 2), [...paletteColor('face')]);
  assert.deepEqual(ab.delay, [100, 200, 300]);
});

test('non-image filters parse anything and never touch pixels', async () => {
  const img = solid(2, 2, WHITE);
  for (const name of [
    'format',
    'quality',
    'upscale',
    'focal',
    'attachment',
    'blurhash',
    'page',
    'max_frames',
  ]) {
    assert.equal(await run(img, name, 'x,y(1,2)'), img, name);
    assert.deepEqual(FILTERS.get(name)?.parse(['a']), ['a']);
  }
});
