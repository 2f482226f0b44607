import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { sniffFormat } from '../../src/blob.js';
import { readHeader, type ImageHeader } from '../../src/processor/header.js';
import { FIXTURES, readFixture } from '../helpers/fixtures.js';

/** What libvips says about an image, in the reader's terms. */
async function fromLibvips(data: Buffer): Promise<ImageHeader> {
  const m = await sharp(data).metadata();
  return {
    width: m.width,
    height: m.height,
    orientation: m.orientation ?? 0,
    channels: m.channels as ImageHeader['channels'],
    hasAlpha: m.hasAlpha,
    space: m.space as ImageHeader['space'],
    hasExif: m.exif !== undefined,
    hasIcc: m.icc !== undefined,
  };
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}

/** Images made here for the layouts the fixtures lack. */
async function crafted(): Promise<Array<[string, Buffer]>> {
  const rgb = sharp({ create: { width: 37, height: 23, channels: 3, background: '#3a7' } });
  const rgba = sharp({ create: { width: 37, height: 23, channels: 4, background: '#3a78' } });
  return [
    ['grey jpeg', await rgb.clone().greyscale().jpeg().toBuffer()],
    ['progressive jpeg', await rgb.clone().jpeg({ progressive: true }).toBuffer()],
    ['jpeg + EXIF orientation 6', await rgb.clone().jpeg().withMetadata({ orientation: 6 }).toBuffer()],
    ['jpeg + ICC', await rgb.clone().jpeg().withIccProfile('p3').toBuffer()],
    ['palette png', await rgb.clone().png({ palette: true }).toBuffer()],
    ['palette png with transparency', await rgba.clone().png({ palette: true }).toBuffer()],
    ['grey png', await rgb.clone().greyscale().png().toBuffer()],
    ['grey+alpha png', await rgba.clone().greyscale().png().toBuffer()],
    ['interlaced png', await rgba.clone().png({ progressive: true }).toBuffer()],
    ['png + ICC', await rgb.clone().png().withIccProfile('p3').toBuffer()],
    ['lossy webp', await rgb.clone().webp().toBuffer()],
    ['lossy webp with alpha', await rgba.clone().webp().toBuffer()],
    ['lossless webp', await rgb.clone().webp({ lossless: true }).toBuffer()],
    ['lossless webp with alpha', await rgba.clone().webp({ lossless: true }).toBuffer()],
    ['webp + EXIF orientation 8', await rgb.clone().webp().withMetadata({ orientation: 8 }).toBuffer()],
    ['webp + ICC', await rgba.clone().webp().withIccProfile('p3').toBuffer()],
  ];
}

describe('JS header reader', () => {
  it('agrees with libvips on every JPEG, PNG and WebP fixture it answers for', async () => {
    let answered = 0;
    for (const file of walk(FIXTURES)) {
      const data = readFixture(path.relative(FIXTURES, file));
      const format = sniffFormat(data);
      if (format !== 'jpeg' && format !== 'png' && format !== 'webp') continue;
      const header = readHeader(data, format);
      if (!header) continue;
      answered++;
      assert.deepEqual(header, await fromLibvips(data), file);
    }
    // the fixtures hold ~40 such images; the reader must cover most of them to be worth having
    assert.ok(answered >= 30, `answered for ${answered} fixtures`);
  });

  it('agrees with libvips on crafted layouts (grey, palette, alpha, lossless, EXIF, ICC)', async () => {
    for (const [name, data] of await crafted()) {
      const header = readHeader(data, sniffFormat(data));
      assert.ok(header, `${name}: no answer`);
      assert.deepEqual(header, await fromLibvips(data), name);
    }
  });

  it('leaves the unusual to libvips', async () => {
    const cases: Array<[string, Buffer]> = [
      ['CMYK jpeg', readFixture('sharp/Channel_digital_image_CMYK_color.jpg')],
      ['16-bit png', readFixture('sharp/Flag_of_the_Netherlands-16bit.png')],
      ['png with eXIf (orientation)', readFixture('imagor/gopher-exif-orientation-cw90.png')],
      ['animated webp', readFixture('sharp/animated-loop-3.webp')],
      ['jpeg cut inside its header', readFixture('sharp/Landscape_1.jpg').subarray(0, 300)],
      ['png cut after IHDR', readFixture('imagor/gopher-front.png').subarray(0, 40)],
      [
        'webp cut in its header',
        (await sharp(readFixture('sharp/Landscape_1.jpg')).webp().toBuffer()).subarray(0, 24),
      ],
      ['zero bytes', Buffer.alloc(0)],
    ];
    for (const [name, data] of cases) {
      assert.equal(readHeader(data, sniffFormat(data)), undefined, name);
    }
  });
});
