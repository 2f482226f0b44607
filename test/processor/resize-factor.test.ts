import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { framesShrinkSide } from '../../src/processor/image.js';
import { readFixture } from '../helpers/fixtures.js';
import { meta, run } from './helpers.js';

async function rgba(buf: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(buf).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('resizes scale both axes by one factor, as libvips thumbnail does', () => {
  it('fit-in: gopher-front.png 202×259 in 100×100 is 78×100 at 259/100 across too', async () => {
    const got = await rgba((await run('unsafe/fit-in/100x100/imagor/gopher-front.png')).data);
    const want = await rgba(
      await sharp(readFixture('imagor/gopher-front.png')).resize({ height: 100 }).png().toBuffer(),
    );
    assert.equal(`${got.width}x${got.height}`, '78x100');
    assert.equal(`${want.width}x${want.height}`, '78x100');
    assert.ok(got.data.equals(want.data), 'pixels of a 1/2.59 resize on both axes');
  });

  it('the general path (a filter after the resize) resizes the same way', async () => {
    const got = await rgba(
      (await run('unsafe/fit-in/100x100/filters:format(png):fill(none)/imagor/gopher-front.png')).data,
    );
    const scaled = await rgba(
      await sharp(readFixture('imagor/gopher-front.png')).resize({ height: 100 }).png().toBuffer(),
    );
    assert.equal(`${got.width}x${got.height}`, '100x100');
    // the 78×100 image sits at x = 11 on the transparent 100×100 canvas
    for (let y = 0; y < 100; y++) {
      const row = got.data.subarray((y * 100 + 11) * 4, (y * 100 + 11 + 78) * 4);
      assert.ok(row.equals(scaled.data.subarray(y * 78 * 4, (y + 1) * 78 * 4)), `row ${y}`);
    }
  });

  it('stretch still squeezes each side to its size', async () => {
    const got = await rgba((await run('unsafe/stretch/100x100/imagor/gopher-front.png')).data);
    const want = await rgba(
      await sharp(readFixture('imagor/gopher-front.png')).resize(100, 100, { fit: 'fill' }).png().toBuffer(),
    );
    assert.ok(got.data.equals(want.data));
  });

  it('frames of an animated image share the factor only when it comes from the height', () => {
    assert.equal(framesShrinkSide('height', 8), 'height');
    assert.equal(framesShrinkSide('width', 8), undefined);
    assert.equal(framesShrinkSide('width', 1), 'width');
    assert.equal(framesShrinkSide(undefined, 1), undefined);
  });

  it('an animated GIF under fill() and image() keeps the frames that differ and their delays', async () => {
    // imagor v1.9.5's answer (its golden image): the base frames differ only where the banana shows
    // through the grey gopher's soft edge; identical neighbours are merged by the GIF encoder
    const out = await run(
      'unsafe/fit-in/100x100/filters:fill(yellow):image(/fit-in/150x150/filters:grayscale()/imagor/gopher-front.png,center,center)/imagor/dancing-banana.gif',
    );
    const m = await meta(out.data);
    assert.equal(m.format, 'gif');
    assert.equal(`${m.width}x${m.pageHeight}`, '100x100');
    assert.equal(m.pages, 5);
    assert.deepEqual(m.delay, [200, 100, 300, 100, 100]);
  });
});
