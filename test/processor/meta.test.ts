import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImagorError } from '../../src/errors.js';
import { vipsCliAvailable } from '../../src/processor/decode.js';
import type { MetaJson } from '../../src/processor/meta.js';
import { run } from './helpers.js';

async function metaOf(url: string): Promise<MetaJson> {
  const out = await run(url);
  assert.equal(out.contentType, 'application/json');
  return JSON.parse(out.data.toString()) as MetaJson;
}

describe('/meta JSON', () => {
  it('JPEG with EXIF', async () => {
    const m = await metaOf('unsafe/meta/imagor/Canon_40D.jpg');
    assert.equal(m.format, 'jpeg');
    assert.equal(m.content_type, 'image/jpeg');
    assert.equal(m.width, 100);
    assert.equal(m.height, 68);
    assert.equal(m.orientation, 1);
    assert.equal(m.pages, 1);
    assert.equal(m.bands, 3);
    assert.equal(m.exif.Make, 'Canon');
    assert.equal(m.exif.Model, 'Canon EOS 40D');
    assert.equal(m.exif.DateTimeOriginal, '2008:05:30 15:56:01');
    assert.deepEqual(Object.keys(m).slice(0, 8), [
      'format',
      'content_type',
      'width',
      'height',
      'orientation',
      'pages',
      'bands',
      'exif',
    ]);
  });
  it('describes the processed image', async () => {
    const m = await metaOf('unsafe/meta/fit-in/50x50/filters:format(webp):strip_exif()/imagor/Canon_40D.jpg');
    assert.equal(m.format, 'webp');
    assert.equal(m.content_type, 'image/webp');
    assert.equal(m.width, 50);
    assert.equal(m.height, 34);
    assert.deepEqual(m.exif, {});
  });
  it('PNG with alpha', async () => {
    const m = await metaOf('unsafe/meta/imagor/gopher-front.png');
    assert.equal(m.format, 'png');
    assert.equal(m.bands, 4);
    assert.deepEqual(m.exif, {});
  });
  it('animated GIF: page height and frames', async () => {
    const m = await metaOf('unsafe/meta/sharp/animated-loop-3.gif');
    assert.equal(m.format, 'gif');
    assert.equal(m.width, 370);
    assert.equal(m.height, 285);
    assert.equal(m.pages, 10);
  });
  it('blurhash, thumbhash, avgcolor', async () => {
    const m = await metaOf(
      'unsafe/meta/filters:blurhash(4,3):thumbhash():avgcolor()/imagor/gopher-front.png',
    );
    assert.match(m.blurhash ?? '', /^[0-9A-Za-z#$%*+,-.:;=?@[\]^_{|}~]{28}$/);
    assert.match(m.thumbhash ?? '', /^[A-Za-z0-9+/]+=*$/);
    const c = m.average_color;
    assert.ok(c && c.r > 150 && c.g > 150 && c.b > 150, JSON.stringify(c)); // transparent gopher on white
    const red = await metaOf('unsafe/meta/10x10/filters:avgcolor()/color:red');
    assert.deepEqual(red.average_color, { r: 255, g: 0, b: 0 });
  });
  it('bad metadata filter arguments → 400', async () => {
    for (const f of [
      'blurhash(0,3)',
      'blurhash(10,3)',
      'blurhash(4)',
      'blurhash(a,b)',
      'thumbhash(1)',
      'avgcolor(x)',
    ]) {
      await assert.rejects(run(`unsafe/meta/filters:${f}/imagor/gopher-front.png`), (err: unknown) => {
        assert.ok(err instanceof ImagorError);
        assert.equal(err.status, 400);
        assert.match(err.message, /blurhash|thumbhash|avgcolor/);
        return true;
      });
    }
  });
});

describe('/meta names the source format when format() is absent, as imagor', () => {
  it('SVG, JPEG 2000, HEIF, AVIF and JPEG XL sources', async () => {
    const svg = await metaOf('unsafe/meta/imagor/test.svg');
    assert.equal(svg.format, 'svg');
    assert.equal(svg.content_type, 'image/svg+xml');
    assert.equal(`${svg.width}x${svg.height}`, '620x472');
    const heif = await metaOf('unsafe/meta/imagor/gopher-front.heif');
    assert.equal(heif.format, 'heif');
    assert.equal(heif.content_type, 'image/heif');
    const avif = await metaOf('unsafe/meta/imagor/gopher-front.avif');
    assert.equal(avif.format, 'avif');
    assert.equal(avif.content_type, 'image/avif');
    const jxl = await metaOf('unsafe/meta/imagor/jxl-isobmff.jxl');
    assert.equal(jxl.format, 'jxl');
    assert.equal(jxl.content_type, 'image/jxl');
  });
  it('format() wins; unsavable names become JPEG; JPEG 2000 is jp2k', async () => {
    const m = await metaOf('unsafe/meta/filters:format(png)/imagor/test.svg');
    assert.equal(m.format, 'png');
    const s = await metaOf('unsafe/meta/filters:format(svg)/imagor/test.svg');
    assert.equal(s.format, 'jpeg');
    assert.equal(s.content_type, 'image/jpeg');
  });
});

describe('/meta of sources read through the vips command', () => {
  it('JPEG 2000 is jp2k; a PDF counts the pages of the document', async (t) => {
    if (!(await vipsCliAvailable())) return t.skip('no vips command');
    const jp2 = await metaOf('unsafe/meta/imagor/gopher.jp2');
    assert.equal(jp2.format, 'jp2k');
    assert.equal(jp2.content_type, 'image/jp2');
    assert.equal(`${jp2.width}x${jp2.height}`, '147x200');
    const pdf = await metaOf('unsafe/meta/imagor/sample.pdf');
    assert.equal(pdf.format, 'pdf');
    assert.equal(pdf.content_type, 'application/pdf');
    assert.equal(pdf.pages, 2);
  });
});

describe('/meta EXIF strings as libvips prints them and imagor cuts them', () => {
  it('Canon_40D.jpg', async () => {
    const { exif } = await metaOf('unsafe/meta/imagor/Canon_40D.jpg');
    const want: Record<string, string> = {
      Make: 'Canon',
      XResolution: '72/1',
      ResolutionUnit: '2',
      Compression: '6',
      ExposureTime: '1/160',
      FNumber: '71/10',
      ApertureValue: '368640/65536',
      ShutterSpeedValue: '483328/65536',
      ExposureBiasValue: '0/1',
      FocalPlaneXResolution: '3888000/876',
      ExifVersion: 'Exif Version 2.21',
      FlashpixVersion: 'FlashPix Version 1.0',
      ComponentsConfiguration: 'Y Cb Cr -',
      GPSVersionID: '2.2.0.0',
      SubsecTime: '00',
      SubSecTimeOriginal: '00',
      UserComment: '',
      Flash: '9',
      InteroperabilityIndex: 'R98',
      InteroperabilityVersion: '0100',
    };
    for (const [k, v] of Object.entries(want)) assert.equal(exif[k], v, k);
    // the thumbnail's offset and length are not entries for libexif
    assert.equal(exif.JPEGInterchangeFormat, undefined);
    assert.equal(exif.SubSecTime, undefined);
  });
  it('entries libexif adds when missing', async () => {
    const { exif } = await metaOf('unsafe/meta/sharp/Landscape_1.jpg');
    assert.equal(exif.ExifVersion, 'Exif Version 2.1');
    assert.equal(exif.FlashpixVersion, 'FlashPix Version 1.0');
    assert.equal(exif.ColorSpace, '65535');
    assert.equal(exif.YCbCrPositioning, '1');
    const flowers = await metaOf('unsafe/meta/sharp/flowers.jpeg');
    assert.equal(flowers.exif.XResolution, '96000/1000');
    assert.equal(flowers.exif.ProcessingSoftware, undefined);
    assert.equal(flowers.exif.Padding, '2060 bytes undefined data');
  });
  it('strip_exif() empties it; a HEIF source has no Orientation entry', async () => {
    assert.deepEqual((await metaOf('unsafe/meta/filters:strip_exif()/imagor/Canon_40D.jpg')).exif, {});
    const heif = await metaOf('unsafe/meta/imagor/gopher-front.heif');
    assert.equal(heif.exif.Orientation, undefined);
  });
});
