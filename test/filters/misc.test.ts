import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FILTERS } from '../../src/processor/filters/index.js';
import { run, solid } from './helpers.js';

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
});

// the detection filters with a detector: test/faces/filters.test.ts

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
