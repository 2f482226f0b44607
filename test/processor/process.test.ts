import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { ImageBlob } from '../../src/blob.js';
import { ImagorError } from '../../src/errors.js';
import { vipsCliAvailable } from '../../src/processor/decode.js';
import { resolveFullDimensions } from '../../src/processor/process.js';
import { resolveProcessorOptions } from '../../src/processor/options.js';
import { readFixture } from '../helpers/fixtures.js';
import { assertGolden } from '../helpers/golden.js';
import { meta, run, runBlob } from './helpers.js';

async function golden(url: string): Promise<void> {
  const out = await run(url);
  await assertGolden(url, out.data);
}

async function size(url: string): Promise<string> {
  const m = await meta((await run(url)).data);
  return `${m.width}x${m.pageHeight ?? m.height}`;
}

/** Same size and a small mean difference (differently encoded sources of one picture). */
async function assertSimilar(a: Buffer, b: Buffer): Promise<void> {
  const [x, y] = await Promise.all([
    sharp(a).raw().toBuffer({ resolveWithObject: true }),
    sharp(b).raw().toBuffer({ resolveWithObject: true }),
  ]);
  assert.equal(`${x.info.width}x${x.info.height}`, `${y.info.width}x${y.info.height}`);
  let sum = 0;
  for (let i = 0; i < x.data.length; i++) sum += Math.abs((x.data[i] ?? 0) - (y.data[i] ?? 0));
  assert.ok(sum / x.data.length < 10, `mean diff ${sum / x.data.length}`);
}

async function rejects(p: Promise<unknown>, status: number, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ImagorError, `not an ImagorError: ${String(err)}`);
    assert.equal(err.status, status, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe('options', () => {
  it('0 means the default for the max sizes', () => {
    const o = resolveProcessorOptions({ maxWidth: 0, maxHeight: 0, maxResolution: 0, avifSpeed: 5 });
    assert.equal(o.maxWidth, 9999);
    assert.equal(o.maxHeight, 9999);
    assert.equal(o.maxResolution, 81_000_000);
    assert.equal(o.avifSpeed, 5);
    assert.equal(o.maxAnimationFrames, -1);
  });
});

describe('geometry goldens', () => {
  const L = 'sharp/Landscape_1.jpg';
  const urls = [
    `unsafe/300x300/${L}`,
    `unsafe/300x300/left/${L}`,
    `unsafe/300x300/right/${L}`,
    `unsafe/200x100/top/${L}`,
    `unsafe/200x100/bottom/${L}`,
    `unsafe/200x100/center/middle/${L}`,
    `unsafe/300x300/smart/${L}`,
    `unsafe/300x300/filters:focal(500x50:600x150)/${L}`,
    `unsafe/fit-in/200x200/${L}`,
    `unsafe/full-fit-in/200x200/${L}`,
    `unsafe/adaptive-fit-in/150x200/${L}`,
    `unsafe/stretch/200x300/${L}`,
    `unsafe/900x0/${L}`,
    `unsafe/fit-in/900x900/filters:upscale()/${L}`,
    `unsafe/100x50:400x350/${L}`,
    `unsafe/0.1x0.1:0.6x0.9/200x0/${L}`,
    `unsafe/-200x-150/${L}`,
    `unsafe/-200x150/left/${L}`,
    `unsafe/trim/imagor/find_trim.png`,
    `unsafe/trim:bottom-right:30/imagor/find_trim.png`,
    `unsafe/trim/imagor/find_trim_alpha.png`,
    `unsafe/fit-in/100x100/filters:format(png)/imagor/gopher-front.png`,
  ];
  for (const url of urls) it(url, () => golden(url));

  it('sizes of the resize modes', async () => {
    const L1 = 'sharp/Landscape_1.jpg';
    assert.equal(await size(`unsafe/300x300/${L1}`), '300x300');
    assert.equal(await size(`unsafe/fit-in/300x300/${L1}`), '300x225');
    assert.equal(await size(`unsafe/fit-in/900x900/${L1}`), '600x450');
    assert.equal(await size(`unsafe/fit-in/900x900/filters:upscale()/${L1}`), '900x675');
    assert.equal(await size(`unsafe/full-fit-in/300x300/${L1}`), '400x300');
    assert.equal(await size(`unsafe/adaptive-fit-in/150x200/${L1}`), '200x150');
    assert.equal(await size(`unsafe/stretch/200x300/${L1}`), '200x300');
    assert.equal(await size(`unsafe/1200x900/${L1}`), '1200x900');
    assert.equal(await size(`unsafe/1200x900/filters:no_upscale()/${L1}`), '600x450');
    assert.equal(await size(`unsafe/0x0:1x1/${L1}`), '599x449');
    assert.equal(await size(`unsafe/trim/imagor/find_trim.png`), '480x320');
  });

  it('flips mirror the cover crop after aligning', async () => {
    const plain = await sharp((await run('unsafe/200x150/left/sharp/Landscape_1.jpg')).data)
      .raw()
      .toBuffer();
    const flopped = await sharp((await run('unsafe/-200x150/left/sharp/Landscape_1.jpg')).data)
      .flop()
      .raw()
      .toBuffer();
    let diff = 0;
    for (let i = 0; i < plain.length; i++) diff += Math.abs((plain[i] ?? 0) - (flopped[i] ?? 0));
    assert.ok(diff / plain.length < 4, `mean diff ${diff / plain.length}`);
  });
});

describe('EXIF orientation', () => {
  for (let o = 1; o <= 8; o++) {
    it(`Landscape_${o}.jpg comes out upright`, async () => {
      const url = `unsafe/fit-in/300x300/sharp/Landscape_${o}.jpg`;
      const out = await run(url);
      const m = await meta(out.data);
      assert.equal(`${m.width}x${m.height}`, '300x225');
      assert.ok(m.orientation === undefined || m.orientation === 1);
      // every orientation shows the same picture as Landscape_1
      if (o === 1) await assertGolden(url, out.data);
      else await assertSimilar(out.data, (await run('unsafe/fit-in/300x300/sharp/Landscape_1.jpg')).data);
    });
  }
  it('slow path (crop) orients too', async () => {
    const out = await run('unsafe/0x0:300x200/sharp/Landscape_6.jpg');
    await assertGolden(
      'unsafe/0x0:300x200/sharp/Landscape_1.jpg',
      (await run('unsafe/0x0:300x200/sharp/Landscape_1.jpg')).data,
    );
    await assertSimilar(out.data, (await run('unsafe/0x0:300x200/sharp/Landscape_1.jpg')).data);
  });
});

describe('output formats', () => {
  const cases: [string, string, string][] = [
    ['jpeg', 'jpeg', 'image/jpeg'],
    ['jpg', 'jpeg', 'image/jpeg'],
    ['png', 'png', 'image/png'],
    ['gif', 'gif', 'image/gif'],
    ['webp', 'webp', 'image/webp'],
    ['avif', 'heif', 'image/avif'],
    ['tiff', 'tiff', 'image/tiff'],
    ['pdf', 'jpeg', 'image/jpeg'],
    ['bmp', 'jpeg', 'image/jpeg'],
    ['nonsense', 'png', 'image/png'],
  ];
  for (const [arg, sharpFormat, type] of cases) {
    it(`format(${arg})`, async () => {
      const out = await run(`unsafe/fit-in/120x120/filters:format(${arg})/imagor/gopher-front.png`);
      const m = await meta(out.data);
      assert.equal(m.format, sharpFormat);
      assert.equal(out.contentType, type);
      assert.equal(`${m.width}x${m.height}`, '94x120');
    });
  }
  it('source format is kept; unsavable sources become JPEG', async () => {
    assert.equal((await meta((await run('unsafe/50x50/sharp/4.webp')).data)).format, 'webp');
    assert.equal((await meta((await run('unsafe/50x50/imagor/gopher-front.avif')).data)).format, 'heif');
    assert.equal((await run('unsafe/50x50/imagor/gopher-front.avif')).contentType, 'image/avif');
    assert.equal((await run('unsafe/50x50/imagor/test.svg')).contentType, 'image/jpeg');
    assert.equal((await run('unsafe/50x50/imagor/bmp_24.bmp')).contentType, 'image/jpeg');
    assert.equal((await run('unsafe/filters:autojpg()/imagor/gopher.png')).contentType, 'image/jpeg');
  });
  it('quality and max_bytes', async () => {
    const q90 = await run('unsafe/filters:quality(90)/sharp/Landscape_1.jpg');
    const q20 = await run('unsafe/filters:quality(20)/sharp/Landscape_1.jpg');
    assert.ok(q20.size < q90.size);
    const capped = await run('unsafe/filters:max_bytes(15000)/sharp/Landscape_1.jpg');
    assert.ok(capped.size <= 15000, `${capped.size}`);
    const png = await run('unsafe/50x50/filters:format(png):palette():compression(9)/sharp/Landscape_1.jpg');
    assert.equal((await meta(png.data)).isPalette, true);
    const lossless = await run('unsafe/50x50/filters:format(webp):lossless()/sharp/Landscape_1.jpg');
    assert.equal((await meta(lossless.data)).format, 'webp');
  });
  it('keeps EXIF and ICC by default; strip_exif / strip_icc / strip_metadata remove them', async () => {
    const keep = await meta((await run('unsafe/50x50/imagor/jpg-24bit-icc-adobe-rgb.jpg')).data);
    assert.ok(keep.icc);
    const noIcc = await meta(
      (await run('unsafe/50x50/filters:strip_icc()/imagor/jpg-24bit-icc-adobe-rgb.jpg')).data,
    );
    assert.equal(noIcc.icc, undefined);
    const exif = await meta((await run('unsafe/50x50/imagor/Canon_40D.jpg')).data);
    assert.ok(exif.exif);
    const noExif = await meta((await run('unsafe/50x50/filters:strip_exif()/imagor/Canon_40D.jpg')).data);
    assert.equal(noExif.exif, undefined);
    const none = await meta((await run('unsafe/50x50/filters:strip_metadata()/imagor/Canon_40D.jpg')).data);
    assert.equal(none.exif, undefined);
    const opt = await meta((await run('unsafe/50x50/imagor/Canon_40D.jpg', { stripMetadata: true })).data);
    assert.equal(opt.exif, undefined);
  });
});

describe('other input formats', () => {
  it('BMP, HEIC, JPEG XL decode', async () => {
    assert.equal(await size('unsafe/100x0/imagor/bmp_24.bmp'), '100x100');
    assert.equal(await size('unsafe/fit-in/100x100/imagor/lena_gray.bmp'), '100x100');
    assert.equal(await size('unsafe/fit-in/100x100/filters:format(png)/imagor/gopher-front.heif'), '78x100');
    assert.equal(await size('unsafe/fit-in/100x100/filters:format(png)/imagor/jxl-isobmff.jxl'), '100x65');
    await golden('unsafe/fit-in/100x100/imagor/bmp_24.bmp');
  });
  it('JPEG 2000 and PDF through the vips CLI, or 406 without it', async () => {
    if (await vipsCliAvailable()) {
      assert.equal(await size('unsafe/fit-in/100x100/filters:format(png)/imagor/gopher.jp2'), '74x100');
      assert.equal(await size('unsafe/filters:page(2):dpi(36)/imagor/sample.pdf'), '306x396');
    } else {
      await rejects(run('unsafe/imagor/gopher.jp2'), 406, /unsupported format/);
      await rejects(run('unsafe/imagor/sample.pdf'), 406, /unsupported format/);
    }
  });
  it('SVG with dpi()', async () => {
    assert.equal(await size('unsafe/sharp/check.svg'), '100x100');
    assert.equal(await size('unsafe/filters:dpi(144)/sharp/check.svg'), '200x200');
  });
});

describe('animation', () => {
  it('GIF keeps frames, delay and loop through resize and flip', async () => {
    const m = await meta((await run('unsafe/-100x-100/sharp/animated-loop-3.gif')).data);
    assert.equal(m.format, 'gif');
    assert.equal(m.pages, 10);
    assert.equal(m.pageHeight, 100);
    assert.equal(m.loop, 3);
    assert.deepEqual(m.delay?.slice(0, 3), [3000, 3000, 3000]);
  });
  it('GIF crop + resize + flip keeps animation (encoder may merge equal frames)', async () => {
    const out = await run('unsafe/10x10:300x200/-100x-100/sharp/animated-loop-3.gif');
    const m = await meta(out.data);
    const src = await meta(readFixture('sharp/animated-loop-3.gif'));
    const total = (d: number[] | undefined): number => (d ?? []).reduce((a, b) => a + b, 0);
    assert.equal(m.format, 'gif');
    assert.ok((m.pages ?? 1) > 1);
    assert.equal(m.pageHeight, 100);
    assert.equal(m.width, 100);
    assert.equal(m.loop, 3);
    assert.equal(total(m.delay), total(src.delay));
    await assertGolden('unsafe/10x10:300x200/-100x-100/sharp/animated-loop-3.gif', out.data);
  });
  it('WebP keeps animation', async () => {
    const m = await meta((await run('unsafe/fit-in/50x50/sharp/animated-loop-3.webp')).data);
    assert.equal(m.format, 'webp');
    assert.ok((m.pages ?? 1) > 1);
    assert.equal(m.loop, 3);
  });
  it('GIF → WebP animated; → JPEG / PNG first frame only', async () => {
    const webp = await meta((await run('unsafe/50x50/filters:format(webp)/imagor/dancing-banana.gif')).data);
    assert.ok((webp.pages ?? 1) > 1);
    const jpg = await meta((await run('unsafe/50x50/filters:format(jpeg)/imagor/dancing-banana.gif')).data);
    assert.equal(jpg.pages, undefined);
    assert.equal(`${jpg.width}x${jpg.height}`, '50x50');
    const fb = await meta(
      (await run('unsafe/filters:format(png):fallback_format(gif)/imagor/dancing-banana.gif')).data,
    );
    assert.equal(fb.format, 'gif');
    assert.equal(fb.pages, 8);
  });
  it('max_frames and VIPS_MAX_ANIMATION_FRAMES', async () => {
    assert.equal(
      (await meta((await run('unsafe/filters:max_frames(3)/sharp/animated-loop-3.gif')).data)).pages,
      3,
    );
    const m = await meta((await run('unsafe/sharp/animated-loop-3.gif', { maxAnimationFrames: 2 })).data);
    assert.equal(m.pages, 2);
    const one = await meta((await run('unsafe/sharp/animated-loop-3.gif', { maxAnimationFrames: 1 })).data);
    assert.equal(one.pages ?? 1, 1);
    const page = await meta((await run('unsafe/filters:page(3)/sharp/animated-loop-3.gif')).data);
    assert.equal(page.pages ?? 1, 1);
  });
});

describe('color: images', () => {
  it('sizes and formats', async () => {
    assert.equal(await size('unsafe/color:red'), '1x1');
    assert.equal(await size('unsafe/40x0/color:red'), '40x40');
    assert.equal(await size('unsafe/30x20/color:ff0000'), '30x20');
    const out = await run('unsafe/30x20/color:blue');
    assert.equal(out.contentType, 'image/jpeg');
    const { data } = await sharp(out.data).raw().toBuffer({ resolveWithObject: true });
    assert.ok((data[2] ?? 0) > 240 && (data[0] ?? 255) < 15);
    const none = await run('unsafe/10x10/filters:format(png)/color:none');
    const st = await sharp(none.data).stats();
    assert.equal(st.channels.length, 4);
    assert.equal(st.channels[3]?.max, 0);
    assert.equal(await size('unsafe/20000x10/color:red'), '9999x10');
  });
  it('over the max resolution → 422', async () => {
    await rejects(run('unsafe/9999x9999/color:red'), 422, /maximum resolution exceeded/);
  });
});

describe('limits and bad input', () => {
  it('over max width / height / resolution → 422', async () => {
    await rejects(run('unsafe/sharp/Landscape_1.jpg', { maxWidth: 500 }), 422, /maximum resolution exceeded/);
    await rejects(run('unsafe/sharp/Landscape_1.jpg', { maxHeight: 400 }), 422);
    await rejects(run('unsafe/sharp/Landscape_1.jpg', { maxResolution: 100_000 }), 422);
    await rejects(run('unsafe/sharp/animated-loop-3.gif', { maxResolution: 370 * 285 * 5 }), 422);
    assert.equal(await size('unsafe/100x100/sharp/Landscape_1.jpg'), '100x100');
    assert.equal(
      (await run('unsafe/sharp/Landscape_1.jpg', { maxWidth: 500, unlimited: true })).format,
      'jpeg',
    );
    await rejects(run('unsafe/fit-in/20000x20000/filters:upscale()/sharp/Landscape_1.jpg'), 422);
  });
  it('decompression bomb → 422', async () => {
    const chunk = (type: string, body: Buffer): Buffer => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(body.length);
      const td = Buffer.concat([Buffer.from(type, 'latin1'), body]);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(zlib.crc32(td));
      return Buffer.concat([len, td, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(100000, 0);
    ihdr.writeUInt32BE(100000, 4);
    ihdr[8] = 8;
    ihdr[9] = 2;
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', zlib.deflateSync(Buffer.alloc(1000))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    await rejects(runBlob(new ImageBlob(png), 'unsafe/100x100/x.png'), 422);
    await rejects(
      runBlob(new ImageBlob(png), 'unsafe/100x100/x.png', { unlimited: false, maxResolution: 1000 }),
      422,
    );
    const bmp = Buffer.from(readFixture('imagor/bmp_24.bmp'));
    bmp.writeInt32LE(100000, 18);
    bmp.writeInt32LE(100000, 22);
    await rejects(runBlob(new ImageBlob(bmp), 'unsafe/x.bmp'), 422);
  });
  it('truncated / corrupt / empty / text → 4xx', async () => {
    for (const f of ['sharp/truncated.jpg', 'sharp/truncated.png', 'sharp/corrupt-header.jpg']) {
      await assert.rejects(run(`unsafe/100x100/${f}`), (err: unknown) => {
        assert.ok(err instanceof ImagorError);
        assert.ok(err.status >= 400 && err.status < 500, `${f}: ${err.status} ${err.message}`);
        return true;
      });
    }
    await rejects(runBlob(new ImageBlob(Buffer.alloc(0)), 'unsafe/x.jpg'), 406, /unsupported format/);
    await rejects(runBlob(new ImageBlob(Buffer.from('hello, this is not an image')), 'unsafe/x.jpg'), 406);
    const fakeJpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 7)]);
    await rejects(runBlob(new ImageBlob(fakeJpeg), 'unsafe/x.jpg'), 406);
  });
});

describe('nested paths', () => {
  it('resolveFullDimensions rewrites f / full / f-N in the first dimension segment only', () => {
    const parent = { width: 300, height: 200 };
    assert.equal(resolveFullDimensions('fit-in/fxf/a.png', parent), 'fit-in/300x200/a.png');
    assert.equal(resolveFullDimensions('full-10xfull/a.png', parent), '290x200/a.png');
    assert.equal(resolveFullDimensions('-f-20x-f/a.png', parent), '-280x-200/a.png');
    assert.equal(resolveFullDimensions('100x0/a.png', parent), '100x0/a.png');
    assert.equal(resolveFullDimensions('filters:fill(red)/fxf/a.png', parent), 'filters:fill(red)/fxf/a.png');
  });
});
