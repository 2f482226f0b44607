import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { parseColor } from '../../src/processor/color.js';
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
