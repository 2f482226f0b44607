import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImageBlob } from '../../src/blob.js';
import { ImagorError } from '../../src/errors.js';
import { parse } from '../../src/path/parse.js';
import { FILTERS } from '../../src/processor/filters/index.js';
import { createProcessor } from '../../src/processor/process.js';
import type { ProcessContext } from '../../src/types.js';
import { fixturePath, readFixture } from '../helpers/fixtures.js';
import { existsSync } from 'node:fs';

/**
 * Garbage arguments to every filter through the whole processor: the result is an image or a 4xx
 * ImagorError, never a 5xx, never a hang (each test is bounded by its timeout).
 */

const ctx: ProcessContext = {
  signal: new AbortController().signal,
  // like a real loader: unknown keys are a 404, never a crash
  load: async (key: string) => {
    if (!/^[\w./-]+$/.test(key) || key.includes('..') || !existsSync(fixturePath(key))) {
      throw new ImagorError(404, 'not found');
    }
    return new ImageBlob(readFixture(key));
  },
};

const proc = createProcessor();

const GARBAGE: string[] = [
  '',
  ',,,,,,,,,,,,,,,,',
  '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15',
  '-1',
  '-99999999',
  '99999999',
  '99999999,99999999,99999999,99999999,99999999,99999999',
  '1e308',
  'NaN',
  'Infinity',
  '0.5,-0.5,NaN,1e-9',
  '💥,日本語,ß',
  '((((',
  'a(b(c)d)e,f(g)',
  '%zz%',
  'b64:!!!!',
  'imagor/gopher-front.png,repeat,repeat,-5,0,0',
  '/fit-in/f-99999999xf/imagor/demo1.jpg,0,0',
  'x'.repeat(2000),
];

const STILL = 'imagor/demo1.jpg';
const ANIMATED = 'imagor/dancing-banana.gif';

async function attempt(url: string, image: string): Promise<void> {
  let params;
  try {
    params = parse(url);
  } catch (err) {
    // the URL itself was refused: must be a client error
    assert.ok(err instanceof ImagorError && err.status < 500, `${url}: ${String(err)}`);
    return;
  }
  try {
    const out = await proc.process(new ImageBlob(readFixture(image)), params, ctx);
    assert.ok(out.data.length > 0, `${url}: empty output`);
  } catch (err) {
    assert.ok(err instanceof ImagorError, `${url}: not an ImagorError: ${String(err)}`);
    assert.ok(err.status >= 400 && err.status < 500, `${url}: status ${err.status} ${err.message}`);
  }
}

describe('garbage filter arguments never give a 5xx', () => {
  for (const name of [...FILTERS.keys()].sort()) {
    const perFrame = FILTERS.get(name)?.stages.includes('image') === true;
    it(name, { timeout: 60_000 }, async () => {
      await Promise.all(
        GARBAGE.map((args) => attempt(`unsafe/60x40/filters:${name}(${args})/${STILL}`, STILL)),
      );
      // animated bases (frames split and re-joined) for the filters that touch pixels
      if (perFrame) {
        await Promise.all(
          ['-99999999', '99999999'].map((args) =>
            attempt(`unsafe/fit-in/48x48/filters:${name}(${args})/${ANIMATED}`, ANIMATED),
          ),
        );
      }
    });
  }
});

describe('huge values are clamped or refused quickly', () => {
  const cases: [string, string][] = [
    ['blur on a large image', 'unsafe/filters:blur(99999999)/sharp/flowers.jpeg'],
    ['two-argument blur', 'unsafe/filters:blur(1,99999999)/sharp/flowers.jpeg'],
    ['fill(blur) in a large box', 'unsafe/fit-in/3000x3000/filters:upscale():fill(blur)/imagor/demo1.jpg'],
    ['sharpen', 'unsafe/filters:sharpen(99999999)/sharp/flowers.jpeg'],
    ['label size', 'unsafe/200x100/filters:label(hello,0,0,99999999)/imagor/demo1.jpg'],
    ['text font size', 'unsafe/200x100/filters:text(hello,0,0,sans-99999999)/imagor/demo1.jpg'],
    [
      'text dpi, spacing and width',
      'unsafe/200x100/filters:text(a%0Ab,0,0,sans-20,red,0,normal,99999999,left,false,word,99999999,99999999)/imagor/demo1.jpg',
    ],
    ['pixelate', 'unsafe/filters:pixelate(99999999)/sharp/flowers.jpeg'],
    ['round_corner', 'unsafe/filters:round_corner(99999999,99999999,red)/imagor/demo1.jpg'],
    ['proportion', 'unsafe/filters:proportion(99999999)/imagor/demo1.jpg'],
    ['max_bytes(1)', 'unsafe/filters:max_bytes(1)/imagor/demo1.jpg'],
    [
      'watermark ratios',
      'unsafe/filters:watermark(imagor/gopher.png,0,0,0,99999999,99999999)/imagor/demo1.jpg',
    ],
  ];
  for (const [name, url] of cases) {
    it(name, { timeout: 60_000 }, async () => {
      const image = parse(url).image ?? '';
      await attempt(url, image);
    });
  }

  it('a canvas over the limits is a 422 before anything is allocated', { timeout: 60_000 }, async () => {
    for (const url of [
      'unsafe/60x40/filters:padding(red,99999999)/imagor/demo1.jpg',
      'unsafe/fit-in/100x100/99999x99999/filters:fill(red)/imagor/demo1.jpg',
      'unsafe/fit-in/100x100/20000x0/filters:fill(blur)/imagor/demo1.jpg',
    ]) {
      await assert.rejects(
        proc.process(new ImageBlob(readFixture('imagor/demo1.jpg')), parse(url), ctx),
        (err: unknown) => err instanceof ImagorError && err.status === 422,
        url,
      );
    }
  });
});
