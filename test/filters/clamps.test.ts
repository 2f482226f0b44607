import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImagorError } from '../../src/errors.js';
import { gaussianBlur } from '../../src/processor/filters/blur.js';
import { toColorspace } from '../../src/processor/filters/colorspace.js';
import { checkCanvas } from '../../src/processor/filters/raw.js';
import { boundFont, MAX_TEXT_PX } from '../../src/processor/filters/text.js';
import { fromRows, makeCtx, px, solid } from './helpers.js';

describe('clamps', () => {
  it('boundFont caps the rendered em height, keeping family and style', () => {
    assert.equal(boundFont('sans bold 24', 72), 'sans bold 24');
    assert.equal(boundFont('sans bold 99999999', 72), `sans bold ${MAX_TEXT_PX}`);
    assert.equal(boundFont('serif 100', 7200), 'serif 10');
    assert.equal(boundFont('mono 5000px', 72), `mono ${MAX_TEXT_PX}px`);
    assert.equal(boundFont('sans', 72), 'sans');
  });

  it('checkCanvas refuses canvases over the limits with a 422', () => {
    const limits = { maxWidth: 100, maxHeight: 100, maxResolution: 5000 };
    assert.doesNotThrow(() => checkCanvas({ limits }, 100, 50, 1));
    assert.doesNotThrow(() => checkCanvas({}, 1e6, 1e6, 1));
    for (const [w, h, p] of [
      [101, 1, 1],
      [1, 101, 1],
      [100, 50, 2],
    ] as const) {
      assert.throws(
        () => checkCanvas({ limits }, w, h, p),
        (e: unknown) => e instanceof ImagorError && e.status === 422,
      );
    }
  });

  it('a huge sigma blurs through a shrunk copy: same size, low-passed', async () => {
    const rows = Array.from({ length: 40 }, (_, y) =>
      Array.from({ length: 60 }, (_, x) => (((x >> 2) + (y >> 2)) % 2 === 0 ? [0, 0, 0] : [255, 255, 255])),
    );
    const img = fromRows(rows);
    const out = await gaussianBlur(img, 99999999);
    assert.equal(`${out.width}x${out.pageHeight}x${out.channels}`, '60x40x3');
    for (const [x, y] of [
      [0, 0],
      [30, 20],
      [59, 39],
    ] as const) {
      const v = px(out, x, y)[0] ?? 0;
      assert.ok(Math.abs(v - 128) < 20, `${x},${y}: ${v}`);
    }
    // animated: every frame blurred, timing kept
    const anim = await gaussianBlur(solid(20, 10, [10, 20, 30], 3), 500);
    assert.equal(anim.pages, 3);
    assert.deepEqual(anim.delay, [100, 200, 300]);
  });

  it('to_colorspace accepts only the built-in profiles and needs a source profile', async () => {
    assert.equal(toColorspace.parse([]), 'srgb');
    assert.equal(toColorspace.parse(['P3']), 'p3');
    assert.equal(toColorspace.parse(['/etc/passwd']), undefined);
    const img = solid(2, 2, [1, 2, 3]);
    const ctx = makeCtx({}, img);
    await toColorspace.apply?.(img, 'p3', ctx);
    assert.equal(ctx.profile, undefined);
    ctx.profile = { source: Buffer.from('icc') };
    await toColorspace.apply?.(img, 'cmyk', ctx);
    assert.equal(ctx.profile.target, 'cmyk');
  });
});
