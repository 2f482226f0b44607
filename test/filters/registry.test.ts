import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyImageFilters, FILTERS, isKnownFilter } from '../../src/processor/filters/index.js';
import { isStatus, makeCtx, px, solid } from './helpers.js';

const RED = [255, 0, 0];
const opts = { disabled: new Set<string>(), maxOps: -1, disableBlur: false };

test('registry knows every imagor v1.9.5 filter name, case-sensitively', () => {
  const names = [
    'background_color',
    'blur',
    'brightness',
    'contrast',
    'crop',
    'draw_detections',
    'dpi',
    'fill',
    'focal',
    'format',
    'grayscale',
    'hue',
    'image',
    'invert',
    'label',
    'max_frames',
    'modulate',
    'no_upscale',
    'orient',
    'padding',
    'page',
    'pixelate',
    'proportion',
    'redact',
    'redact_oval',
    'rgb',
    'rotate',
    'round_corner',
    'saturation',
    'sharpen',
    'stretch',
    'strip_exif',
    'strip_icc',
    'text',
    'to_colorspace',
    'trim',
    'upscale',
    'watermark',
    'quality',
    'autojpg',
    'lossless',
    'palette',
    'bitdepth',
    'compression',
    'strip_metadata',
    'max_bytes',
    'fallback_format',
    'attachment',
    'expire',
    'max_age',
    'preview',
    'raw',
    'blurhash',
    'thumbhash',
    'avgcolor',
  ];
  for (const n of names) assert.ok(isKnownFilter(n), n);
  assert.equal(FILTERS.size, names.length);
  assert.equal(isKnownFilter('BLUR'), false);
  assert.equal(isKnownFilter('set_frames'), false);
  for (const def of FILTERS.values()) {
    if (def.stages.includes('image')) assert.equal(typeof def.apply, 'function', def.name);
  }
  assert.equal(FILTERS.get('format')?.apply, undefined);
});

test('filters run in URL order; unknown and non-image filters are ignored', async () => {
  const img = solid(2, 2, RED);
  const out = await applyImageFilters(
    img,
    [
      { name: 'BLUR', args: '5' },
      { name: 'format', args: 'png' },
      { name: 'invert' },
      { name: 'nope', args: 'x' },
      { name: 'rgb', args: '100,0,0' },
    ],
    makeCtx({}, img),
    opts,
  );
  // invert → cyan, then +255 red → white
  assert.deepEqual(px(out, 0, 0), [255, 255, 255]);
});

test('max ops counts all filters and stops at index N', async () => {
  const img = solid(2, 2, RED);
  const list = [{ name: 'format', args: 'png' }, { name: 'invert' }, { name: 'invert' }];
  const one = await applyImageFilters(img, list, makeCtx({}, img), { ...opts, maxOps: 2 });
  assert.deepEqual(px(one, 0, 0), [0, 255, 255]);
  const none = await applyImageFilters(img, list, makeCtx({}, img), { ...opts, maxOps: 1 });
  assert.deepEqual(px(none, 0, 0), RED);
  const zero = await applyImageFilters(img, list, makeCtx({}, img), { ...opts, maxOps: 0 });
  assert.deepEqual(px(zero, 0, 0), RED);
  const all = await applyImageFilters(img, list, makeCtx({}, img), { ...opts, maxOps: -1 });
  assert.deepEqual(px(all, 0, 0), RED);
});

test('disabled filters and disableBlur', async () => {
  const img = solid(2, 2, RED);
  const out = await applyImageFilters(img, [{ name: 'invert' }], makeCtx({}, img), {
    ...opts,
    disabled: new Set(['invert']),
  });
  assert.deepEqual(px(out, 0, 0), RED);
  const stripes = solid(8, 8, [0, 0, 0]);
  for (let y = 0; y < 8; y++) stripes.data.fill(255, (y * 8 + 4) * 3, (y * 8 + 8) * 3);
  const ctx = makeCtx({}, stripes);
  const b = await applyImageFilters(
    stripes,
    [
      { name: 'blur', args: '6' },
      { name: 'sharpen', args: '2' },
    ],
    ctx,
    {
      ...opts,
      disableBlur: true,
    },
  );
  assert.deepEqual(b.data, stripes.data);
  assert.equal(ctx.disableBlur, true);
});

test('bad arguments are 400s; sharp failures become 406 naming the filter', async () => {
  const img = solid(2, 2, RED);
  await assert.rejects(
    applyImageFilters(img, [{ name: 'blur', args: 'abc' }], makeCtx({}, img), opts),
    isStatus(400, /Expected number for blur sigma but received "abc"/),
  );
  const ctx = makeCtx({ images: { 'bad.png': Buffer.from('not an image at all') } }, img);
  await assert.rejects(
    applyImageFilters(img, [{ name: 'watermark', args: 'bad.png,0,0,0' }], ctx, opts),
    isStatus(406, /^watermark: /),
  );
});

test('an aborted signal stops processing', async () => {
  const img = solid(2, 2, RED);
  const ac = new AbortController();
  ac.abort();
  const ctx = { ...makeCtx({}, img), signal: ac.signal };
  await assert.rejects(applyImageFilters(img, [{ name: 'invert' }], ctx, opts), (e: unknown) => {
    return e instanceof Error && typeof (e as Error & { status?: number }).status === 'number';
  });
});

test('animation timing survives filters', async () => {
  const img = solid(2, 2, RED, 3);
  const out = await applyImageFilters(
    img,
    [{ name: 'invert' }, { name: 'brightness', args: '10' }],
    makeCtx({}, img),
    opts,
  );
  assert.equal(out.pages, 3);
  assert.deepEqual(out.delay, [100, 200, 300]);
  assert.equal(out.loop, 0);
});

test('garbage arguments never crash: a result or a 400/406 ImagorError', async () => {
  const { ImagorError } = await import('../../src/errors.js');
  const { readFixture } = await import('../helpers/fixtures.js');
  const sharp = (await import('sharp')).default;
  const { fromSharp } = await import('../../src/processor/image.js');
  const gopher = await fromSharp(sharp(readFixture('imagor/gopher.png')).resize(40));
  const garbage = [
    '',
    ',',
    ',,,,,,,,,,,,,,',
    'abc',
    '-1',
    '1e400',
    '99999',
    '0.5,0.5,0.5,0.5',
    '((,))',
    '%zz',
    'b64:!!',
    'NaN,NaN,NaN',
  ];
  for (const [name, def] of FILTERS) {
    if (!def.stages.includes('image')) continue;
    for (const args of garbage) {
      const ctx = makeCtx(
        { images: {}, nested: async () => solid(3, 3, [1, 2, 3]), box: { width: 50, height: 50 } },
        gopher,
      );
      try {
        const out = await applyImageFilters(gopher, [{ name, args }], ctx, opts);
        assert.ok(out.width > 0 && out.pageHeight > 0, `${name}(${args})`);
      } catch (err) {
        assert.ok(err instanceof ImagorError, `${name}(${args}): ${String(err)}`);
        assert.ok(err.status === 400 || err.status === 406, `${name}(${args}): ${err.status} ${err.message}`);
      }
    }
  }
});
