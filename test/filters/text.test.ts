import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FILTERS } from '../../src/processor/filters/index.js';
import { escapeMarkup, fontName, readTextWidth } from '../../src/processor/filters/text.js';
import type { RawImage } from '../../src/processor/image.js';
import { animated, isStatus, makeCtx, px, run, solid } from './helpers.js';

const WHITE = [255, 255, 255];

/** Pixels that differ from the base colour, and their bounding box. */
function changed(
  img: RawImage,
  base: number[],
  frame = 0,
): { count: number; minX: number; maxX: number; minY: number; maxY: number } {
  let count = 0;
  let minX = Infinity;
  let maxX = -1;
  let minY = Infinity;
  let maxY = -1;
  for (let y = 0; y < img.pageHeight; y++) {
    for (let x = 0; x < img.width; x++) {
      const p = px(img, x, y, frame).slice(0, 3);
      if (p.some((v, i) => v !== base[i])) {
        count++;
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
  }
  return { count, minX, maxX, minY, maxY };
}

test('helpers: markup escaping, font names, widths', () => {
  assert.equal(escapeMarkup(`<b>a & 'b' "c"</b>`), '&lt;b&gt;a &amp; &#39;b&#39; &quot;c&quot;&lt;/b&gt;');
  assert.equal(fontName('sans-bold-24', 'sans 20'), 'sans bold 24');
  assert.equal(fontName('', 'sans 20'), 'sans 20');
  assert.deepEqual(readTextWidth(''), { kind: 'px', value: 0 });
  assert.deepEqual(readTextWidth('120'), { kind: 'px', value: 120 });
  assert.deepEqual(readTextWidth('50p'), { kind: 'percent', value: 50 });
  assert.deepEqual(readTextWidth('0.5'), { kind: 'fraction', value: 0.5 });
  assert.deepEqual(readTextWidth('f'), { kind: 'full', minus: 0 });
  assert.deepEqual(readTextWidth('full-20'), { kind: 'full', minus: 20 });
  assert.throws(() => readTextWidth('wide'), isStatus(400, /text width/));
});

test('label draws coloured text of about `size` px height', async () => {
  const base = solid(200, 60, WHITE);
  const out = await run(base, 'label', 'Hello,10,10,30,red', makeCtx({}, base));
  assert.equal(out.channels, 4);
  const c = changed(out, WHITE);
  assert.ok(c.count > 50, `changed ${c.count}`);
  assert.ok(c.minX >= 10 && c.minY >= 10, `${c.minX},${c.minY}`);
  assert.ok(c.maxY - c.minY <= 30, `height ${c.maxY - c.minY}`);
  // some pixel is pure-ish red
  let red = false;
  for (let y = c.minY; y <= c.maxY && !red; y++)
    for (let x = c.minX; x <= c.maxX; x++) {
      const [r, g, b] = px(out, x, y);
      if ((r ?? 0) > 200 && (g ?? 255) < 60 && (b ?? 255) < 60) red = true;
    }
  assert.ok(red);
  // blank text and fully transparent labels are no-ops
  assert.equal(await run(base, 'label', ' ,10,10'), base);
  assert.equal(await run(base, 'label', ''), base);
  assert.equal(await run(base, 'label', 'x,0,0,20,red,100'), base);
  // default black; markup characters are text, not markup
  const m = await run(base, 'label', '<b>%26', makeCtx({}, base));
  assert.ok(changed(m, WHITE).count > 10);
  await assert.rejects(run(base, 'label', 'a,0,0,big'), isStatus(400, /label size/));
  await assert.rejects(run(base, 'label', 'a,what,0'), isStatus(400, /label x/));
});

test('label position: negative values measure from the far edge', async () => {
  const base = solid(200, 60, WHITE);
  const out = await run(base, 'label', 'Hi,-0,-0,20', makeCtx({}, base));
  const c = changed(out, WHITE);
  assert.ok(c.count > 10);
  assert.ok(c.maxX >= 180 && c.maxY >= 40, `${c.maxX},${c.maxY}`);
});

test('text: font, colour, alpha, width wrapping, alignment', async () => {
  const base = solid(200, 120, WHITE);
  const ctx = makeCtx({}, base);
  const out = await run(base, 'text', 'Hello%20world,5,5,sans-bold-20,blue', ctx);
  const c = changed(out, WHITE);
  assert.ok(c.count > 50);
  assert.ok(c.minX >= 5 && c.minY >= 5);
  // narrow width wraps onto more lines → taller
  const one = await run(base, 'text', 'aaa bbb ccc ddd,0,0,sans-16', ctx);
  const wrapped = await run(base, 'text', 'aaa bbb ccc ddd,0,0,sans-16,black,0,normal,40', ctx);
  const h1 = changed(one, WHITE);
  const h2 = changed(wrapped, WHITE);
  assert.ok(h2.maxY - h2.minY > h1.maxY - h1.minY, `${h1.maxY} vs ${h2.maxY}`);
  assert.ok(h2.maxX < h1.maxX);
  // alignment acts between lines (libvips crops the rendered text to its extents)
  const lines = (align: string) =>
    run(base, 'text', `hi%0Alonger line here,0,0,sans-16,black,0,normal,f,${align}`, ctx);
  const firstLineMinX = (img: RawImage): number => {
    let m = Infinity;
    for (let y = 0; y < 12; y++)
      for (let x = 0; x < img.width; x++) if ((px(img, x, y)[0] ?? 255) < 128) m = Math.min(m, x);
    return m;
  };
  assert.ok(firstLineMinX(await lines('left')) < 5);
  assert.ok(firstLineMinX(await lines('high')) > 80, `${firstLineMinX(await lines('high'))}`);
  const mid = firstLineMinX(await lines('center'));
  assert.ok(mid > 30 && mid < 80, `${mid}`);
  // alpha 50 → lighter than opaque
  const faint = await run(base, 'text', 'HH,0,0,sans-bold-30,black,50', ctx);
  let darkest = 255;
  for (let y = 0; y < 40; y++)
    for (let x = 0; x < 60; x++) darkest = Math.min(darkest, px(faint, x, y)[0] ?? 255);
  assert.ok(darkest >= 120 && darkest < 200, `${darkest}`);
  // blend mode difference on white inverts the colour: black text stays black-ish? use white text
  const diff = await run(solid(80, 40, [0, 0, 0]), 'text', 'HH,0,0,sans-bold-30,white,0,difference', ctx);
  assert.ok(changed(diff, [0, 0, 0]).count > 20);
  assert.equal(await run(base, 'text', ''), base);
  assert.equal(await run(base, 'text', 'b64:'), base);
  await assert.rejects(
    run(base, 'text', 'a,0,0,sans,black,0,normal,0,sideways'),
    isStatus(400, /text align/),
  );
  await assert.rejects(
    run(base, 'text', 'a,0,0,sans,black,0,normal,0,left,maybe'),
    isStatus(400, /text justify/),
  );
  await assert.rejects(
    run(base, 'text', 'a,0,0,sans,black,0,normal,0,left,true,zigzag'),
    isStatus(400, /text wrap/),
  );
  await assert.rejects(
    run(base, 'text', 'a,0,0,sans,black,0,normal,0,left,true,char,x'),
    isStatus(400, /text spacing/),
  );
  await assert.rejects(
    run(base, 'text', 'a,0,0,sans,black,0,normal,0,left,true,char,0,hi'),
    isStatus(400, /text dpi/),
  );
  // every wrap mode and `word_char` spelling is accepted
  const parse = FILTERS.get('text')?.parse;
  assert.ok(parse);
  for (const w of ['word', 'char', 'wordchar', 'word_char', 'none'])
    parse(['a', '0', '0', 'sans', 'black', '0', 'normal', '50', 'low', 'false', w, '2', '96']);
});

test('text and label on animations: every frame, timing kept', async () => {
  const anim = animated(80, 40);
  const out = await run(anim, 'text', 'Hi,0,0,sans-bold-24,white', makeCtx({}, anim));
  assert.equal(out.pages, 3);
  assert.deepEqual(out.delay, [100, 200, 300]);
  assert.ok(changed(out, [0, 0, 255], 2).count > 10);
  assert.ok(changed(out, [255, 0, 0], 0).count > 10);
  const l = await run(anim, 'label', 'Hi,0,0,20,white', makeCtx({}, anim));
  assert.ok(changed(l, [0, 255, 0], 1).count > 10);
});
