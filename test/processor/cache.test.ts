import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { ImageBlob } from '../../src/blob.js';
import { parse } from '../../src/path/parse.js';
import {
  bypassesCache,
  createDecodedCache,
  type DecodedCacheOptions,
  type OpenForCache,
} from '../../src/processor/cache/decoded.js';
import { readFixture } from '../helpers/fixtures.js';

const open: OpenForCache = async (blob, frames) => {
  const meta = await sharp(blob.data, { pages: frames }).metadata();
  return {
    pipeline: sharp(blob.data, { pages: frames, autoOrient: true }),
    pages: Math.round((meta.height ?? 0) / (meta.pageHeight ?? meta.height ?? 1)),
  };
};

const options = (o: Partial<DecodedCacheOptions> = {}): DecodedCacheOptions => ({
  size: 50 << 20,
  maxWidth: 2400,
  maxHeight: 2000,
  ttl: 0,
  form: 'pixel',
  ...o,
});

async function solid(width: number, height: number): Promise<ImageBlob> {
  const data = await sharp({ create: { width, height, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();
  return new ImageBlob(data);
}

describe('decoded-image cache', () => {
  it('is off with a size of 0', () => {
    assert.equal(createDecodedCache(options({ size: 0 }), open), undefined);
  });

  it('serves only known sizes within its maximum', () => {
    const c = createDecodedCache(options({ maxWidth: 300, maxHeight: 200 }), open)!;
    assert.equal(c.fits(300, 200), true);
    assert.equal(c.fits(301, 200), false);
    assert.equal(c.fits(300, 201), false);
    assert.equal(c.fits(0, 100), false);
    assert.equal(c.fits(100, undefined), false);
  });

  it('keeps a copy shrunk to fit the maximum, with the source format, and never enlarges', async () => {
    const c = createDecodedCache(options({ maxWidth: 100, maxHeight: 100 }), open)!;
    const big = await c.getOrLoad('big.png', () => solid(400, 200), 1);
    assert.ok('entry' in big);
    assert.deepEqual(
      [big.entry.form, big.entry.width, big.entry.height, big.entry.channels, big.entry.sourceFormat],
      ['pixel', 100, 50, 3, 'png'],
    );
    assert.equal(big.entry.data.length, 100 * 50 * 3);
    const small = await c.getOrLoad('small.png', () => solid(40, 20), 1);
    assert.ok('entry' in small);
    assert.deepEqual([small.entry.width, small.entry.height], [40, 20]);
  });

  it('loads and decodes once for concurrent misses of one image, then serves hits', async () => {
    const c = createDecodedCache(options(), open)!;
    let loads = 0;
    const load = async (): Promise<ImageBlob> => {
      loads++;
      await new Promise((r) => setTimeout(r, 20));
      return new ImageBlob(readFixture('imagor/gopher.png'));
    };
    const all = await Promise.all(Array.from({ length: 5 }, () => c.getOrLoad('gopher.png', load, 1)));
    assert.equal(loads, 1);
    assert.ok(all.every((r) => 'entry' in r && r.entry === (all[0] as { entry: unknown }).entry));
    assert.ok(c.get('gopher.png'));
    await c.getOrLoad('gopher.png', load, 1);
    assert.equal(loads, 1);
    const s = c.stats();
    assert.equal(s.decodes, 1);
    assert.equal(s.entries, 1);
    assert.ok(s.hits >= 2, String(s.hits));
  });

  it('evicts the least recently used entries beyond its byte budget', async () => {
    // each 100x100 RGB entry is 30000 bytes: room for two
    const c = createDecodedCache(options({ size: 70_000 }), open)!;
    await c.getOrLoad('a', () => solid(100, 100), 1);
    await c.getOrLoad('b', () => solid(100, 100), 1);
    assert.ok(c.get('a')); // a is now the most recent
    await c.getOrLoad('c', () => solid(100, 100), 1);
    assert.ok(c.get('a'));
    assert.equal(c.get('b'), undefined);
    assert.ok(c.get('c'));
    assert.ok(c.stats().bytes <= 70_000);
  });

  it('does not keep an entry larger than the whole budget', async () => {
    const c = createDecodedCache(options({ size: 1000 }), open)!;
    const r = await c.getOrLoad('big', () => solid(100, 100), 1);
    assert.ok('entry' in r);
    assert.equal(c.get('big'), undefined);
  });

  it('forgets entries after the TTL', async () => {
    const c = createDecodedCache(options({ ttl: 30 }), open)!;
    await c.getOrLoad('a', () => solid(10, 10), 1);
    assert.ok(c.get('a'));
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(c.get('a'), undefined);
  });

  it('hands back the original of an animated source and keeps nothing', async () => {
    const c = createDecodedCache(options(), open)!;
    const gif = new ImageBlob(readFixture('imagor/dancing-banana.gif'));
    const r = await c.getOrLoad('banana.gif', async () => gif, -1);
    assert.ok('original' in r);
    assert.equal(r.original, gif);
    assert.equal(c.get('banana.gif'), undefined);
    const first = await c.getOrLoad('banana.gif', async () => gif, 1);
    assert.ok('entry' in first);
  });

  for (const form of ['png', 'webp'] as const) {
    it(`stores ${form} entries as ${form} bytes`, async () => {
      const c = createDecodedCache(options({ form }), open)!;
      const r = await c.getOrLoad('g', async () => new ImageBlob(readFixture('imagor/gopher-front.png')), 1);
      assert.ok('entry' in r);
      const m = await sharp(r.entry.data).metadata();
      assert.equal(m.format, form);
      assert.deepEqual([m.width, m.height], [r.entry.width, r.entry.height]);
      assert.equal(r.entry.sourceFormat, 'png');
    });
  }

  it('shares a failed load with every waiter and caches nothing', async () => {
    const c = createDecodedCache(options(), open)!;
    const fail = (): Promise<ImageBlob> => Promise.reject(new Error('not found'));
    const r = await Promise.allSettled([c.getOrLoad('x', fail, 1), c.getOrLoad('x', fail, 1)]);
    assert.deepEqual(
      r.map((x) => x.status),
      ['rejected', 'rejected'],
    );
    assert.equal(c.get('x'), undefined);
  });
});

describe('bypassesCache', () => {
  const cases: [string, boolean][] = [
    ['unsafe/300x200/filters:preview()/a.jpg', false],
    ['unsafe/fit-in/300x200/filters:preview():grayscale():page(1)/a.jpg', false],
    ['unsafe/10x10:100x100/300x200/filters:preview()/a.jpg', true],
    ['unsafe/300x200/filters:preview():focal(10x10:20x20)/a.jpg', true],
    ['unsafe/300x200/filters:preview():page(2)/a.pdf', true],
    ['unsafe/300x200/filters:preview():dpi(300)/a.svg', true],
  ];
  for (const [path, want] of cases) {
    it(`${want ? 'bypasses' : 'uses'} the cache for ${path}`, () => {
      assert.equal(bypassesCache(parse(path)), want);
    });
  }
});
