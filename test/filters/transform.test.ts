import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { fromSharp } from '../../src/processor/image.js';
import { animated, fromRows, isStatus, makeCtx, px, readBack, run, solid } from './helpers.js';

const R = [255, 0, 0];
const G = [0, 255, 0];
const B = [0, 0, 255];
const W = [255, 255, 255];

test('rotate(90) is counter-clockwise; 180/270; others no-op', async () => {
  const img = fromRows([[R, G]]); // 2×1: red left, green right
  const ctx = makeCtx({}, img);
  const ccw = await run(img, 'rotate', '90', ctx);
  assert.equal(ccw.width, 1);
  assert.equal(ccw.pageHeight, 2);
  // counter-clockwise: the right pixel goes to the top
  assert.deepEqual(px(ccw, 0, 0), G);
  assert.deepEqual(px(ccw, 0, 1), R);
  assert.equal(ctx.rotated, true);
  const cw = await run(img, 'rotate', '270', ctx);
  assert.deepEqual(px(cw, 0, 0), R);
  assert.deepEqual(px(cw, 0, 1), G);
  // imagor sets its "rotated by 90" mark on any 90/270 turn and never clears it: a later fill()
  // swaps the box even after rotate(90):rotate(270)
  assert.equal(ctx.rotated, true);
  const fresh = makeCtx({}, img);
  const half = await run(img, 'rotate', '180', fresh);
  assert.deepEqual(px(half, 0, 0), G);
  assert.equal(half.width, 2);
  assert.equal(fresh.rotated, false);
  for (const a of ['45', '0', '360', '-90', '90.5']) assert.equal(await run(img, 'rotate', a), img, a);
  await assert.rejects(run(img, 'rotate', 'left'), isStatus(400));
  assert.deepEqual(await readBack(ccw), { width: 1, height: 2, channels: 3 });
});

test('rotate works per frame on animations, keeping timing', async () => {
  const anim = animated(4, 2);
  const out = await run(anim, 'rotate', '90');
  assert.equal(out.pages, 3);
  assert.equal(out.width, 2);
  assert.equal(out.pageHeight, 4);
  assert.deepEqual(out.delay, [100, 200, 300]);
  assert.equal(out.loop, 0);
  assert.deepEqual(px(out, 1, 3, 0), R);
  assert.deepEqual(px(out, 1, 3, 1), G);
  assert.deepEqual(px(out, 1, 3, 2), B);
  // the real fixture too
  const { readFixture } = await import('../helpers/fixtures.js');
  const buf = readFixture('sharp/animated-loop-3.gif');
  const meta = await sharp(buf, { animated: true }).metadata();
  const pages = meta.pages ?? 1;
  const gif = await fromSharp(sharp(buf, { animated: true }), pages, { delay: meta.delay, loop: meta.loop });
  const r = await run(gif, 'rotate', '270');
  assert.equal(r.pages, pages);
  assert.equal(r.width, gif.pageHeight);
  assert.equal(r.pageHeight, gif.width);
  assert.deepEqual(r.delay, meta.delay);
});

test('crop after resize: absolute, relative, clamped, invalid → no-op', async () => {
  const rows = [0, 1, 2, 3].map((y) => [0, 1, 2, 3].map((x) => [x * 60, y * 60, 0]));
  const img = fromRows(rows);
  const a = await run(img, 'crop', '1,1,2,2');
  assert.equal(a.width, 2);
  assert.equal(a.pageHeight, 2);
  assert.deepEqual(px(a, 0, 0), [60, 60, 0]);
  assert.deepEqual(px(a, 1, 1), [120, 120, 0]);
  const rel = await run(img, 'crop', '0.5,0.25,0.5,0.5');
  assert.equal(rel.width, 2);
  assert.equal(rel.pageHeight, 2);
  assert.deepEqual(px(rel, 0, 0), [120, 60, 0]);
  const clamp = await run(img, 'crop', '2,2,100,100');
  assert.equal(clamp.width, 2);
  assert.equal(clamp.pageHeight, 2);
  assert.deepEqual(px(clamp, 1, 1), [180, 180, 0]);
  const neg = await run(img, 'crop', '-5,-5,2,2');
  assert.deepEqual(px(neg, 0, 0), [0, 0, 0]);
  assert.equal(neg.width, 2);
  const far = await run(img, 'crop', '10,10,2,2');
  assert.equal(far.width, 1);
  assert.deepEqual(px(far, 0, 0), [180, 180, 0]);
  for (const bad of ['', '1,1,2', 'a,b,c,d', '0,0,0,0', '0,0,-1,2', '0,0,4,4']) {
    assert.equal(await run(img, 'crop', bad), img, bad);
  }
  const anim = await run(animated(4, 4), 'crop', '1,1,2,3');
  assert.equal(anim.pages, 3);
  assert.equal(anim.pageHeight, 3);
  assert.deepEqual(px(anim, 1, 2, 2), B);
  assert.deepEqual(anim.delay, [100, 200, 300]);
});

test('proportion scales both sides', async () => {
  const img = solid(10, 8, R);
  const half = await run(img, 'proportion', '0.5');
  assert.equal(half.width, 5);
  assert.equal(half.pageHeight, 4);
  const pct = await run(img, 'proportion', '50');
  assert.equal(pct.width, 5);
  assert.deepEqual(px(pct, 2, 2), R);
  assert.equal(await run(img, 'proportion', '100'), img);
  assert.equal(await run(img, 'proportion', '250'), img); // capped at 100 %
  assert.equal(await run(img, 'proportion', '1'), img);
  assert.equal(await run(img, 'proportion', '0'), img);
  assert.equal(await run(img, 'proportion', '-2'), img);
  // unreadable, empty or vanishing scales leave the image as it is (imagor)
  assert.equal(await run(img, 'proportion', 'half'), img);
  assert.equal(await run(img, 'proportion', ''), img);
  assert.equal(await run(img, 'proportion', '0.0000000001'), img);
  // sides truncate, then the image is fitted into that box: 202×259 at 50 % → box 101×129 → 101×129
  const g = await run(solid(202, 259, R), 'proportion', '50');
  assert.deepEqual([g.width, g.pageHeight], [101, 129]);
  // 113×120 at 50 % → box 56×60 → fitted 56×59
  const f = await run(solid(113, 120, R), 'proportion', '50');
  assert.deepEqual([f.width, f.pageHeight], [56, 59]);
  const anim = await run(animated(10, 8), 'proportion', '0.5');
  assert.equal(anim.pages, 3);
  assert.equal(anim.width, 5);
  assert.equal(anim.pageHeight, 4);
  assert.deepEqual(px(anim, 1, 1, 2), B);
  assert.deepEqual(anim.delay, [100, 200, 300]);
});

test('trim filter: top-left / bottom-right, tolerance, alpha, animated skipped', async () => {
  // 20×20 white with a 6×6 red block at (6,6); libvips' trim ignores specks (median filter)
  const inBlock = (x: number, y: number, x0: number, y0: number, n: number): boolean =>
    x >= x0 && x < x0 + n && y >= y0 && y < y0 + n;
  const rows = Array.from({ length: 20 }, (_, y) =>
    Array.from({ length: 20 }, (_, x) => (inBlock(x, y, 6, 6, 6) ? R : W)),
  );
  const img = fromRows(rows);
  const t = await run(img, 'trim', '');
  assert.equal(t.width, 6);
  assert.equal(t.pageHeight, 6);
  assert.deepEqual(px(t, 0, 0), R);
  assert.equal((await run(img, 'trim', '0,top-left')).width, 6);
  assert.equal((await run(img, 'trim', 'bottom-right')).width, 6);
  // a blue 5×5 bottom-right corner: top-left trims to it, bottom-right (blue reference) keeps all
  const withCorner = fromRows(rows.map((r, y) => r.map((p, x) => (inBlock(x, y, 15, 15, 5) ? B : p))));
  const tl = await run(withCorner, 'trim', '');
  assert.equal(tl.width, 14);
  assert.equal(tl.pageHeight, 14);
  const br = await run(withCorner, 'trim', '1,bottom-right');
  assert.equal(br.width, 20);
  // uniform image: nothing to trim
  const flat = solid(8, 8, W);
  assert.equal((await run(flat, 'trim', '')).width, 8);
  // alpha: transparent border trimmed (via magenta flattening), alpha kept
  const alphaRows = Array.from({ length: 12 }, (_, y) =>
    Array.from({ length: 12 }, (_, x) => (inBlock(x, y, 4, 4, 4) ? [0, 0, 255, 255] : [0, 0, 0, 0])),
  );
  const ta = await run(fromRows(alphaRows), 'trim', '');
  assert.equal(ta.width, 4);
  assert.equal(ta.channels, 4);
  assert.deepEqual(px(ta, 0, 0), [0, 0, 255, 255]);
  await assert.rejects(run(img, 'trim', 'lots'), isStatus(400));
  const anim = animated(4, 4);
  assert.equal(await run(anim, 'trim', ''), anim);
});
