import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { exifMap } from '../../src/processor/meta.js';
import { iccColourSpace, uprightTiff, withExifBlock } from '../../src/processor/metadata.js';
import { readFixture } from '../helpers/fixtures.js';
import { meta, run } from './helpers.js';

const ADOBE = 'imagor/jpg-24bit-icc-adobe-rgb.jpg';
const CANON = 'imagor/Canon_40D.jpg';

/** The ICC profile description (the `desc` tag text), for readable assertions. */
function iccDescription(icc: Buffer | undefined): string {
  if (!icc) return '';
  return icc
    .toString('latin1')
    .replace(/\0/g, '')
    .replace(/[^\x20-\x7e]+/g, ' ');
}

/** Mean absolute difference of two outputs decoded to sRGB (sharp's default decode). */
async function meanDiff(a: Buffer, b: Buffer): Promise<number> {
  const [x, y] = await Promise.all([sharp(a).raw().toBuffer(), sharp(b).raw().toBuffer()]);
  assert.equal(x.length, y.length, 'sizes differ');
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs((x[i] ?? 0) - (y[i] ?? 0));
  return sum / x.length;
}

describe('grey output from the RawImage path', () => {
  it('grayscale() PNG has one band, or two with alpha', async () => {
    const grey = await meta(
      (await run('unsafe/100x75/filters:grayscale():format(png)/sharp/Landscape_1.jpg')).data,
    );
    assert.equal(grey.channels, 1);
    assert.equal(grey.space, 'b-w');
    const alpha = await meta(
      (await run('unsafe/fit-in/80x80/filters:grayscale()/imagor/gopher-front.png')).data,
    );
    assert.equal(alpha.channels, 2);
    const jpeg = await meta((await run('unsafe/100x75/filters:grayscale()/sharp/Landscape_1.jpg')).data);
    assert.equal(jpeg.channels, 1);
  });

  it('a grey+alpha source keeps both bands through a filter', async () => {
    const out = await meta((await run('unsafe/filters:rotate(180)/imagor/2bands.png')).data);
    assert.equal(out.channels, 2);
    const fast = await meta((await run('unsafe/imagor/2bands.png')).data);
    assert.equal(fast.channels, 2);
  });
});

describe('metadata kept on the RawImage path', () => {
  it('the source ICC profile is kept whether or not a filter ran', async () => {
    const src = await meta(readFixture(ADOBE));
    const fast = await run(`unsafe/200x0/${ADOBE}`);
    const slow = await run(`unsafe/200x0/filters:contrast(0.01)/${ADOBE}`);
    const [mf, ms] = await Promise.all([meta(fast.data), meta(slow.data)]);
    assert.ok(src.icc && mf.icc && ms.icc);
    assert.deepEqual(ms.icc, src.icc);
    assert.deepEqual(mf.icc, src.icc);
    // and the colours come out the same once colour-managed as without the profile
    const plain = await run(`unsafe/200x0/filters:contrast(0.01):strip_icc():format(png)/${ADOBE}`);
    const kept = await run(`unsafe/200x0/filters:contrast(0.01):format(png)/${ADOBE}`);
    assert.ok((await meanDiff(kept.data, plain.data)) < 1);
  });

  it('PNG and WebP outputs keep the profile too', async () => {
    for (const f of ['png', 'webp']) {
      const out = await meta((await run(`unsafe/100x0/filters:format(${f}):brightness(1)/${ADOBE}`)).data);
      assert.ok(out.icc, f);
      assert.match(iccDescription(out.icc), /Adobe RGB/, f);
    }
  });

  it('EXIF is kept in JPEG, PNG and WebP output of the RawImage path', async () => {
    const src = exifMap((await meta(readFixture(CANON))).exif ?? Buffer.alloc(0));
    assert.equal(src.Make, 'Canon');
    for (const f of ['jpeg', 'png', 'webp']) {
      const out = await run(`unsafe/filters:format(${f}):invert()/${CANON}`);
      const m = await meta(out.data);
      assert.ok(m.exif, `${f}: no EXIF`);
      const tags = exifMap(m.exif);
      assert.equal(tags.Make, 'Canon', f);
      assert.equal(tags.Model, src.Model, f);
      assert.equal(m.format, f === 'jpeg' ? 'jpeg' : f);
      // the written file still decodes
      assert.equal((await sharp(out.data).stats()).channels.length >= 3, true);
    }
  });

  it('animated WebP output carries EXIF without breaking the animation', async () => {
    const out = await run('unsafe/fit-in/60x60/filters:format(webp):invert()/sharp/animated-loop-3.webp');
    const m = await meta(out.data);
    assert.equal(m.pages, 10);
    assert.equal(m.loop, 3);
  });

  it('strip_exif / strip_icc / strip_metadata also work on the RawImage path', async () => {
    const noExif = await meta((await run(`unsafe/filters:invert():strip_exif()/${CANON}`)).data);
    assert.equal(noExif.exif, undefined);
    assert.ok(noExif.icc);
    const noIcc = await meta((await run(`unsafe/100x0/filters:invert():strip_icc()/${ADOBE}`)).data);
    assert.equal(noIcc.icc, undefined);
    const none = await meta((await run(`unsafe/filters:invert():strip_metadata()/${CANON}`)).data);
    assert.equal(none.exif, undefined);
    assert.equal(none.icc, undefined);
    const opt = await meta((await run(`unsafe/filters:invert()/${CANON}`, { stripMetadata: true })).data);
    assert.equal(opt.exif, undefined);
    const prof = await meta(
      (await run(`unsafe/100x0/filters:invert()/${ADOBE}`, { stripColorProfile: true })).data,
    );
    assert.equal(prof.icc, undefined);
  });

  it('the written EXIF says the (upright) pixels need no rotation', async () => {
    for (const o of [3, 6, 8]) {
      const m = await meta(
        (await run(`unsafe/fit-in/150x150/filters:invert()/sharp/Landscape_${o}.jpg`)).data,
      );
      assert.equal(`${m.width}x${m.height}`, '150x113', `Landscape_${o}`);
      assert.ok(m.orientation === undefined || m.orientation === 1, `orientation ${m.orientation}`);
      assert.ok(m.exif);
    }
  });

  it('EXIF helpers refuse unreadable blocks and leave other formats alone', () => {
    assert.equal(uprightTiff(Buffer.from('Exif\0\0nonsense')), undefined);
    const gif = Buffer.from('GIF89a');
    assert.equal(
      withExifBlock(gif, 'gif', Buffer.from('Exif\0\0II*\0\x08\0\0\0\0\0'), {
        width: 1,
        height: 1,
        alpha: false,
      }),
      gif,
    );
    assert.equal(iccColourSpace(Buffer.alloc(4)), '');
  });
});

describe('to_colorspace()', () => {
  it('p3 / srgb / cmyk transform and tag the output when the source has a profile', async () => {
    const p3 = await meta((await run(`unsafe/100x0/filters:to_colorspace(p3)/${ADOBE}`)).data);
    assert.match(iccDescription(p3.icc), /P3/);
    const srgb = await meta((await run(`unsafe/100x0/filters:to_colorspace()/${ADOBE}`)).data);
    assert.match(iccDescription(srgb.icc), /sRGB/);
    const cmyk = await meta((await run(`unsafe/100x0/filters:to_colorspace(cmyk)/${ADOBE}`)).data);
    assert.equal(cmyk.space, 'cmyk');
    assert.equal(cmyk.channels, 4);
    assert.equal(iccColourSpace(cmyk.icc ?? Buffer.alloc(0)), 'CMYK');
  });

  it('the picture looks the same after a p3 transform (colour-managed)', async () => {
    const a = (await run(`unsafe/100x0/filters:to_colorspace(p3):format(png)/${ADOBE}`)).data;
    const b = (await run(`unsafe/100x0/filters:to_colorspace(srgb):format(png)/${ADOBE}`)).data;
    assert.ok((await meanDiff(a, b)) < 1);
  });

  it('is a no-op without an embedded profile, for unknown names, and with strip_icc', async () => {
    const plain = await meta((await run('unsafe/filters:to_colorspace(p3)/imagor/demo1.jpg')).data);
    assert.equal(plain.icc, undefined);
    const unknown = await meta((await run(`unsafe/100x0/filters:to_colorspace(/etc/passwd)/${ADOBE}`)).data);
    assert.match(iccDescription(unknown.icc), /Adobe RGB/);
    const stripped = await meta(
      (await run(`unsafe/100x0/filters:to_colorspace(p3):strip_icc()/${ADOBE}`)).data,
    );
    assert.equal(stripped.icc, undefined);
  });
});

describe('EXIF orientation on the RawImage path', () => {
  for (let o = 1; o <= 8; o++) {
    it(`Landscape_${o}.jpg with grayscale() comes out upright`, async () => {
      const url = (n: number): string => `unsafe/fit-in/200x200/filters:grayscale()/sharp/Landscape_${n}.jpg`;
      const out = await run(url(o));
      const m = await meta(out.data);
      assert.equal(`${m.width}x${m.height}`, '200x150');
      assert.ok((await meanDiff(out.data, (await run(url(1))).data)) < 6);
    });
  }
});
