import { test } from 'node:test';
import assert from 'node:assert/strict';
import { animated, isStatus, makeCtx, near, px, readBack, run, solid } from './helpers.js';

const R = [255, 0, 0];
const WHITE = [255, 255, 255];

test('fill(white) centres a 4×4 in a 10×10 box', async () => {
  const img = solid(4, 4, R);
  const ctx = makeCtx({ box: { width: 10, height: 10 } }, img);
  const out = await run(img, 'fill', 'white', ctx);
  assert.deepEqual(await readBack(out), { width: 10, height: 10, channels: 3 });
  assert.deepEqual(px(out, 0, 0), WHITE);
  assert.deepEqual(px(out, 2, 5), WHITE);
  assert.deepEqual(px(out, 3, 3), R);
  assert.deepEqual(px(out, 6, 6), R);
  assert.deepEqual(px(out, 7, 7), WHITE);
});

test('fill adds URL paddings; rotation swaps box and paddings', async () => {
  const img = solid(4, 2, R);
  const box = { width: 6, height: 4, paddingLeft: 3, paddingTop: 1, paddingRight: 0, paddingBottom: 2 };
  const out = await run(img, 'fill', 'blue', makeCtx({ box }, img));
  assert.equal(out.width, 9);
  assert.equal(out.pageHeight, 7);
  // image at left = 3 + 1, top = 1 + 1
  assert.deepEqual(px(out, 4, 2), R);
  assert.deepEqual(px(out, 3, 2), [0, 0, 255]);
  assert.deepEqual(px(out, 7, 3), R);
  assert.deepEqual(px(out, 8, 3), [0, 0, 255]);
  const rot = solid(2, 4, R);
  const r = await run(rot, 'fill', 'blue', makeCtx({ box, rotated: true }, rot));
  assert.equal(r.width, 4 + 1 + 2);
  assert.equal(r.pageHeight, 6 + 3 + 0);
  assert.deepEqual(px(r, 2, 4), R);
  assert.deepEqual(px(r, 1, 4), [0, 0, 255]);
});

test('fill flattens alpha onto an opaque colour; none/transparent pads transparent', async () => {
  const img = solid(2, 2, [0, 0, 0, 0]);
  const ctx = makeCtx({ box: { width: 4, height: 4 } }, img);
  const flat = await run(img, 'fill', 'ff0000', ctx);
  assert.equal(flat.channels, 3);
  assert.deepEqual(px(flat, 1, 1), R);
  for (const kw of ['none', 'transparent']) {
    const t = await run(solid(2, 2, R), 'fill', kw, makeCtx({ box: { width: 4, height: 4 } }));
    assert.equal(t.channels, 4);
    assert.deepEqual(px(t, 0, 0), [0, 0, 0, 0]);
    assert.deepEqual(px(t, 1, 1), [255, 0, 0, 255]);
    assert.deepEqual(await readBack(t), { width: 4, height: 4, channels: 4 });
  }
  // unknown colour → black; no args → black
  assert.deepEqual(
    px(await run(solid(2, 2, R), 'fill', 'zzz', makeCtx({ box: { width: 4, height: 4 } })), 0, 0),
    [0, 0, 0],
  );
  assert.deepEqual(
    px(await run(solid(2, 2, R), 'fill', '', makeCtx({ box: { width: 4, height: 4 } })), 0, 0),
    [0, 0, 0],
  );
});

test('fill(auto) uses the average colour; fill(blur) paints a blurred copy', async () => {
  const img = solid(4, 4, [10, 200, 30]);
  const auto = await run(img, 'fill', 'auto', makeCtx({ box: { width: 8, height: 4 } }));
  assert.deepEqual(px(auto, 0, 0), [10, 200, 30]);
  const half = solid(4, 4, [0, 0, 0, 0]); // fully transparent → white average
  assert.deepEqual(
    px(await run(half, 'fill', 'auto', makeCtx({ box: { width: 6, height: 4 } })), 0, 0),
    WHITE,
  );
  const blurred = await run(img, 'fill', 'blur', makeCtx({ box: { width: 12, height: 4 } }));
  assert.equal(blurred.width, 12);
  assert.ok(near(px(blurred, 0, 0), [10, 200, 30], 3), `${px(blurred, 0, 0)}`);
  assert.deepEqual(px(blurred, 5, 2), [10, 200, 30]);
  // with blur disabled, `blur` is not a colour → black
  const ctx = makeCtx({ box: { width: 12, height: 4 } });
  ctx.disableBlur = true;
  assert.deepEqual(px(await run(img, 'fill', 'blur', ctx), 0, 0), [0, 0, 0]);
  // alpha image with blur: original composited over the blurred copy
  const a = await run(
    solid(2, 2, [255, 0, 0, 255]),
    'fill',
    'blur',
    makeCtx({ box: { width: 4, height: 2 } }),
  );
  assert.equal(a.width, 4);
  assert.deepEqual(px(a, 1, 0).slice(0, 3), R);
});

test('fill on animations: every frame padded, timing kept; blur falls back to black', async () => {
  const anim = animated(2, 2);
  const out = await run(anim, 'fill', 'white', makeCtx({ box: { width: 4, height: 4 } }));
  assert.equal(out.pages, 3);
  assert.equal(out.width, 4);
  assert.equal(out.pageHeight, 4);
  assert.deepEqual(out.delay, [100, 200, 300]);
  assert.deepEqual(px(out, 0, 0, 2), WHITE);
  assert.deepEqual(px(out, 1, 1, 0), R);
  assert.deepEqual(px(out, 2, 2, 1), [0, 255, 0]);
  assert.deepEqual(px(out, 2, 2, 2), [0, 0, 255]);
  const b = await run(anim, 'fill', 'blur', makeCtx({ box: { width: 4, height: 4 } }));
  assert.deepEqual(px(b, 0, 0, 1), [0, 0, 0]);
});

test('padding filter: shorthand forms and fill semantics', async () => {
  const img = solid(2, 2, R);
  const all = await run(img, 'padding', 'white,1');
  assert.equal(all.width, 4);
  assert.equal(all.pageHeight, 4);
  assert.deepEqual(px(all, 0, 0), WHITE);
  assert.deepEqual(px(all, 1, 1), R);
  const lt = await run(img, 'padding', 'white,1,2');
  assert.equal(lt.width, 4);
  assert.equal(lt.pageHeight, 6);
  assert.deepEqual(px(lt, 1, 2), R);
  const four = await run(img, 'padding', 'white,1,2,3');
  assert.equal(four.width, 6);
  assert.equal(four.pageHeight, 6);
  const five = await run(img, 'padding', 'blue,1,2,3,4');
  assert.equal(five.width, 6);
  assert.equal(five.pageHeight, 8);
  assert.deepEqual(px(five, 1, 2), R);
  assert.deepEqual(px(five, 0, 2), [0, 0, 255]);
  const t = await run(img, 'padding', 'none,1');
  assert.equal(t.channels, 4);
  assert.deepEqual(px(t, 0, 0), [0, 0, 0, 0]);
  assert.equal(await run(img, 'padding', 'white'), img);
  assert.equal(await run(img, 'padding', 'white,0'), img);
  assert.equal(await run(img, 'padding', 'white,-3'), img);
  await assert.rejects(run(img, 'padding', 'white,x'), isStatus(400, /padding left/));
  const anim = await run(animated(2, 2), 'padding', 'white,1');
  assert.equal(anim.pages, 3);
  assert.deepEqual(px(anim, 1, 1, 2), [0, 0, 255]);
});

test('round_corner: transparent corners, optional colour flatten, per frame', async () => {
  const img = solid(20, 20, R);
  const out = await run(img, 'round_corner', '8');
  assert.equal(out.channels, 4);
  assert.equal(px(out, 0, 0)[3], 0);
  assert.equal(px(out, 19, 19)[3], 0);
  assert.equal(px(out, 10, 10)[3], 255);
  assert.equal(px(out, 10, 0)[3], 255);
  assert.deepEqual(await readBack(out), { width: 20, height: 20, channels: 4 });
  const ry = await run(img, 'round_corner', '8,2');
  assert.equal(px(ry, 0, 5)[3], 255);
  assert.equal(px(ry, 0, 0)[3], 0);
  const pipe = await run(img, 'round_corner', '8%7C2');
  assert.equal(px(pipe, 0, 5)[3], 255);
  const col = await run(img, 'round_corner', '8,8,blue');
  assert.equal(col.channels, 3);
  assert.deepEqual(px(col, 0, 0), [0, 0, 255]);
  assert.deepEqual(px(col, 10, 10), R);
  assert.equal(await run(img, 'round_corner', '0'), img);
  assert.deepEqual((await run(img, 'round_corner', '')).data, img.data);
  await assert.rejects(run(img, 'round_corner', 'a'), isStatus(400));
  const anim = await run(animated(12, 12), 'round_corner', '5');
  assert.equal(anim.pages, 3);
  assert.equal(anim.channels, 4);
  for (let f = 0; f < 3; f++) {
    assert.equal(px(anim, 0, 0, f)[3], 0);
    assert.equal(px(anim, 6, 6, f)[3], 255);
  }
  assert.deepEqual(anim.delay, [100, 200, 300]);
});
