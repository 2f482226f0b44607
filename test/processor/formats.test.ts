import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { ImagorError } from '../../src/errors.js';
import { parseColor } from '../../src/processor/color.js';
import { cliOperations, encodeJxl, saverMissing } from '../../src/processor/foreign.js';
import { meta, run } from './helpers.js';

/** The TIFF tags of the first IFD (tag → first value). */
function tiffTags(buf: Buffer): Map<number, number> {
  const le = buf.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const ifd = u32(4);
  const tags = new Map<number, number>();
  for (let i = 0; i < u16(ifd); i++) {
    const e = ifd + 2 + i * 12;
    const type = u16(e + 2);
    tags.set(u16(e), type === 3 ? u16(e + 8) : u32(e + 8));
  }
  return tags;
}

describe('TIFF output', () => {
  it('keeps the alpha channel of a PNG source, uncompressed, as imagor writes it', async () => {
    const out = await run('unsafe/filters:format(tiff):quality(70)/imagor/gopher-front.png');
    assert.equal(out.contentType, 'image/tiff');
    const m = await meta(out.data);
    assert.equal(m.format, 'tiff');
    assert.equal(m.channels, 4);
    assert.equal(`${m.width}x${m.height}`, '202x259');
    const tags = tiffTags(out.data);
    assert.equal(tags.get(259), 1, 'Compression: none');
    assert.equal(tags.get(277), 4, 'SamplesPerPixel');
    // a transparent corner stays transparent
    const { data } = await sharp(out.data).raw().toBuffer({ resolveWithObject: true });
    assert.equal(data[3], 0);
  });
  it('a TIFF source with transparency stays transparent through a resize', async () => {
    const out = await run('unsafe/fit-in/100x100/imagor/gopher.tiff');
    const m = await meta(out.data);
    assert.equal(m.format, 'tiff');
    assert.equal(m.channels, 4);
    assert.equal(`${m.width}x${m.height}`, '100x50');
    const stats = await sharp(out.data).stats();
    assert.ok((stats.channels[3]?.min ?? 255) < 255, 'some pixels are transparent');
  });
});

describe('colour arguments', () => {
  it('3- and 6-digit hex reads a character that is not a hex digit as 0, as imagor does', () => {
    assert.deepEqual(parseColor('FFO'), { r: 255, g: 255, b: 0, alpha: 1 });
    assert.deepEqual(parseColor('ffo'), { r: 255, g: 255, b: 0, alpha: 1 });
    assert.deepEqual(parseColor('#f0z'), { r: 255, g: 0, b: 0, alpha: 1 });
    assert.deepEqual(parseColor('zz00ff'), { r: 0, g: 0, b: 255, alpha: 1 });
    assert.deepEqual(parseColor('ff00ff'), { r: 255, g: 0, b: 255, alpha: 1 });
    // names win over hex; other lengths that are not hex stay black
    assert.deepEqual(parseColor('red'), { r: 255, g: 0, b: 0, alpha: 1 });
    assert.deepEqual(parseColor('nonsense'), { r: 0, g: 0, b: 0, alpha: 1 });
  });
  it('fill(FFO) fills with yellow', async () => {
    const out = await run('unsafe/fit-in/60x60/filters:fill(FFO)/imagor/gopher.png');
    const { data, info } = await sharp(out.data).raw().toBuffer({ resolveWithObject: true });
    assert.equal(`${info.width}x${info.height}`, '60x60');
    assert.deepEqual([...data.subarray(0, 3)], [255, 255, 0]);
  });
});

function magic(buf: Buffer): string {
  if (buf[0] === 0xff && buf[1] === 0x0a) return 'jxl';
  const box = buf.toString('latin1', 4, 8);
  if (box === 'JXL ') return 'jxl';
  if (box === 'jP  ') return 'jp2';
  if (box === 'ftyp') return `ftyp:${buf.toString('latin1', 8, 12)}`;
  return 'other';
}

describe('formats sharp cannot write', () => {
  it('format(jxl) writes JPEG XL', async () => {
    const out = await run('unsafe/filters:format(jxl):quality(70)/imagor/gopher-front.png');
    assert.equal(out.contentType, 'image/jxl');
    assert.equal(magic(out.data), 'jxl');
  });
  it('a JPEG XL source without format() stays JPEG XL, at the asked size', async () => {
    const out = await run('unsafe/fit-in/100x100/imagor/jxl-isobmff.jxl');
    assert.equal(out.contentType, 'image/jxl');
    assert.equal(magic(out.data), 'jxl');
    // read it back through our own decoder
    const back = await run('unsafe/filters:format(png)/imagor/jxl-isobmff.jxl');
    assert.equal(back.contentType, 'image/png');
  });
  it('format(heif) writes HEVC HEIF and a HEIF source keeps its format and alpha (vips command)', async (t) => {
    if (!(await cliOperations()).has('heifsave')) {
      await assert.rejects(
        run('unsafe/filters:format(heif)/imagor/gopher-front.png'),
        (e: unknown) => e instanceof ImagorError && e.status === 406 && /heifsave_buffer/.test(e.message),
      );
      return t.skip('no vips command with heifsave');
    }
    const out = await run('unsafe/filters:format(heif):quality(70)/imagor/gopher-front.png');
    assert.equal(out.contentType, 'image/heif');
    assert.equal(magic(out.data), 'ftyp:heic');
    const src = await run('unsafe/fit-in/100x100/imagor/gopher-front.heif');
    assert.equal(src.contentType, 'image/heif');
    assert.equal(magic(src.data), 'ftyp:heic');
    const m = await meta(src.data);
    assert.equal(`${m.width}x${m.height}`, '78x100');
    assert.equal(m.hasAlpha, true);
  });
  it('format(jp2) writes JPEG 2000 (vips command), else 406 naming the missing saver', async (t) => {
    if (!(await cliOperations()).has('jp2ksave')) {
      await assert.rejects(
        run('unsafe/filters:format(jp2)/imagor/gopher-front.png'),
        (e: unknown) => e instanceof ImagorError && e.status === 406 && /jp2ksave_buffer/.test(e.message),
      );
      return t.skip('no vips command with jp2ksave');
    }
    const out = await run('unsafe/fit-in/100x100/filters:format(jp2)/imagor/gopher-front.png');
    assert.equal(out.contentType, 'image/jp2');
    assert.equal(magic(out.data), 'jp2');
    const src = await run('unsafe/fit-in/100x100/imagor/gopher.jp2');
    assert.equal(src.contentType, 'image/jp2');
  });
  it('the in-process JPEG XL encoder (used without the vips command) writes JPEG XL', async () => {
    const p = sharp({ create: { width: 16, height: 8, channels: 3, background: '#336699' } });
    const out = await encodeJxl(p, { lossless: false, strip: true });
    assert.equal(magic(out), 'jxl');
  });
  it('the missing-saver answer is the libvips message imagor passes on', () => {
    const e = saverMissing('jp2');
    assert.equal(e.status, 406);
    assert.equal(e.message, 'VipsOperation: class "jp2ksave_buffer" not found');
  });
});

describe('metadata kept and stripped as imagor (libvips keep=all unless strip_metadata)', () => {
  const L = 'sharp/Landscape_1.jpg';
  it('a plain resize and the same resize with a filter both keep EXIF and XMP', async () => {
    for (const url of [
      `unsafe/100x80/${L}`,
      `unsafe/100x80/filters:grayscale()/${L}`,
      `unsafe/100x80/filters:brightness(5)/${L}`,
    ]) {
      const m = await meta((await run(url)).data);
      assert.ok(m.exif, `${url}: exif`);
      assert.ok(m.xmp, `${url}: xmp`);
    }
  });
  it('strip_exif() drops EXIF only; strip_icc() drops the profile only', async () => {
    const src = 'imagor/jpg-24bit-icc-adobe-rgb.jpg';
    for (const f of ['', ':brightness(5)']) {
      const e = await meta((await run(`unsafe/100x100/filters:strip_exif()${f}/${src}`)).data);
      assert.equal(e.exif, undefined);
      assert.ok(e.xmp, `strip_exif()${f} keeps xmp`);
      assert.ok(e.icc, `strip_exif()${f} keeps icc`);
      const i = await meta((await run(`unsafe/100x100/filters:strip_icc()${f}/${src}`)).data);
      assert.equal(i.icc, undefined);
      assert.ok(i.exif, `strip_icc()${f} keeps exif`);
      assert.ok(i.xmp, `strip_icc()${f} keeps xmp`);
    }
  });
  it('strip_metadata() and -vips-strip-metadata keep nothing', async () => {
    const src = 'imagor/jpg-24bit-icc-adobe-rgb.jpg';
    for (const [url, o] of [
      [`unsafe/100x100/filters:strip_metadata()/${src}`, undefined],
      [`unsafe/100x100/filters:strip_metadata():grayscale()/${src}`, undefined],
      [`unsafe/100x100/${src}`, { stripMetadata: true }],
      [`unsafe/100x100/filters:grayscale()/${src}`, { stripMetadata: true }],
    ] as const) {
      const m = await meta((await run(url, o)).data);
      assert.equal(m.exif, undefined, url);
      assert.equal(m.xmp, undefined, url);
      assert.equal(m.icc, undefined, url);
    }
  });
});

describe('fill() after rotations', () => {
  it('rotate(90):rotate(270) still swaps the fill box, as imagor marks any 90° turn', async () => {
    const turned = await meta(
      (await run('unsafe/fit-in/200x100/filters:rotate(90):rotate(270):fill(red)/imagor/gopher.png')).data,
    );
    assert.equal(`${turned.width}x${turned.height}`, '100x200');
    const half = await meta(
      (await run('unsafe/fit-in/200x100/filters:rotate(180):fill(red)/imagor/gopher.png')).data,
    );
    assert.equal(`${half.width}x${half.height}`, '200x100');
  });
});
