import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { get } from '../helpers/server.js';
import {
  plainGet,
  startCounted,
  startOrigin,
  startS3,
  type Counted,
  type Origin,
  type S3Fixture,
} from '../storage/harness.js';

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

/** A solid-colour PNG: which object answered is visible in the pixels. */
const solid = (r: number, g: number, b: number, size = 40): Promise<Buffer> =>
  sharp({ create: { width: size, height: size, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();

async function centre(img: Buffer): Promise<number[]> {
  const { data, info } = await sharp(img).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * 3;
  return [data[i] ?? -1, data[i + 1] ?? -1, data[i + 2] ?? -1];
}

const near = (a: number[], b: number[]): boolean => a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= 3);

let s3: S3Fixture;
let origin: Origin;
const running: Counted[] = [];

async function start(args: string[]): Promise<Counted> {
  const c = await startCounted([
    '-imagor-unsafe',
    '-http-loader-block-loopback-networks=false',
    ...s3.flags,
    ...args,
  ]);
  running.push(c);
  return c;
}

before(async () => {
  s3 = await startS3(['src', 'store', 'results', 'shared', 'styles', 'expiry', 'awkward', 'awkward-results']);
  origin = await startOrigin();
  await s3.write(
    'src',
    'foo/bar.jpg',
    await sharp({ create: { width: 400, height: 300, channels: 3, background: '#3366cc' } })
      .jpeg()
      .toBuffer(),
    'image/jpeg',
  );
});

after(async () => {
  for (const c of running) await c.server.close();
  await origin.close();
  await s3.close();
});

describe('S3 loader, storage and result storage through the real server (s3rver)', () => {
  it('loads a source from the S3 loader and writes the result to S3 result storage', async () => {
    const c = await start(['-s3-loader-bucket', 'src', '-s3-result-storage-bucket', 'results']);
    const url = `${c.server.url}/unsafe/166x169/top/filters:format(webp)/foo/bar.jpg`;
    const r = await get(url);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'image/webp');
    assert.equal(r.headers.get('etag'), null, 'freshly processed images carry no validators');
    const meta = await sharp(r.body).metadata();
    assert.deepEqual([meta.width, meta.height], [166, 169]);
    await c.server.app.idle();
    const key = '166x169/top/filters%3Aformat(webp)/foo/bar.jpg';
    assert.deepEqual(await s3.keys('results'), [key]);
    assert.deepEqual(await s3.read('results', key), r.body);

    // second request: a result-storage hit, not processed again, with validators and 304
    const again = await get(url);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, r.body);
    assert.equal(c.processed(), 1);
    const etag = again.headers.get('etag');
    assert.ok(etag);
    assert.ok(again.headers.get('last-modified'));
    const cond = await plainGet(url, { 'If-None-Match': etag });
    assert.equal(cond.status, 304);
    assert.equal(cond.body.length, 0);
    assert.equal(cond.headers.etag, etag);
    const ims = await plainGet(url, { 'If-Modified-Since': new Date(Date.now() + 60_000).toUTCString() });
    assert.equal(ims.status, 304);
    const older = await plainGet(url, {
      'If-Modified-Since': new Date(Date.now() - 3_600_000).toUTCString(),
    });
    assert.equal(older.status, 200);
    // imagor answers 304 here (its If-Unmodified-Since inversion); we do not
    const ius = await plainGet(url, {
      'If-Unmodified-Since': new Date(Date.now() - 3_600_000).toUTCString(),
    });
    assert.equal(ius.status, 200);
    const noCache = await plainGet(url, { 'If-None-Match': etag, 'Cache-Control': 'no-cache' });
    assert.equal(noCache.status, 200);
    assert.equal(c.processed(), 1);
  });

  it('two instances share one S3 result storage: the second serves the first one’s result without processing', async () => {
    const a = await start(['-s3-loader-bucket', 'src', '-s3-result-storage-bucket', 'shared']);
    const b = await start(['-s3-loader-bucket', 'src', '-s3-result-storage-bucket', 'shared']);
    const path = '/unsafe/fit-in/120x120/filters:format(png)/foo/bar.jpg';
    const first = await get(a.server.url + path);
    assert.equal(first.status, 200);
    assert.equal(a.processed(), 1);
    await a.server.app.idle();
    const second = await get(b.server.url + path);
    assert.equal(second.status, 200);
    assert.deepEqual(second.body, first.body);
    assert.equal(b.processed(), 0, 'the second instance did not process');
    assert.ok(second.headers.get('etag'));
  });

  it('writes results under every key style', async () => {
    const path = '166x169/top/filters:format(webp)/foo/bar.jpg';
    const h = sha1(path);
    const expected: Record<string, string> = {
      original: '166x169/top/filters%3Aformat(webp)/foo/bar.jpg',
      digest: `${h.slice(0, 2)}/${h.slice(2, 4)}/${h.slice(4)}`,
      suffix: 'foo/bar.68c65a1a02f7aa7cacb3.webp',
      size: 'foo/bar.68c65a1a02f7aa7cacb3_166x169.webp',
    };
    assert.ok(expected['digest']?.startsWith('68/c6/5a1a02'));
    for (const [style, key] of Object.entries(expected)) {
      const c = await start([
        '-s3-loader-bucket',
        'src',
        '-s3-result-storage-bucket',
        `styles/${style}`,
        '-imagor-result-storage-path-style',
        style,
      ]);
      const r = await get(`${c.server.url}/unsafe/${path}`);
      assert.equal(r.status, 200, style);
      await c.server.app.idle();
      const keys = (await s3.keys('styles')).filter((k) => k.startsWith(style + '/'));
      assert.deepEqual(keys, [`${style}/${key}`], style);
      const again = await get(`${c.server.url}/unsafe/${path}`);
      assert.deepEqual(again.body, r.body);
      assert.equal(c.processed(), 1, `${style}: second request served from result storage`);
    }
  });

  it('keeps source copies in S3 storage (original and digest keys) and loads from them first', async () => {
    const png = await solid(200, 30, 30);
    origin.serve('/copy.png', png, 'image/png');
    const image = `${origin.url}/copy.png`;
    for (const style of ['original', 'digest']) {
      const c = await start(['-s3-storage-bucket', `store/${style}`, '-imagor-storage-path-style', style]);
      const r = await get(`${c.server.url}/unsafe/20x20/${image}`);
      assert.equal(r.status, 200);
      await c.server.app.idle();
      const h = sha1(image);
      const key =
        style === 'digest'
          ? `${h.slice(0, 2)}/${h.slice(2, 4)}/${h.slice(4)}`
          : image.replace('http://', 'http%3A/').replace(/:(\d)/, '%3A$1');
      assert.deepEqual(await s3.read('store', `${style}/${key}`), png);
      const hits = origin.hits.get('/copy.png');
      const other = await get(`${c.server.url}/unsafe/10x10/${image}`);
      assert.equal(other.status, 200);
      assert.equal(origin.hits.get('/copy.png'), hits, 'second size loaded from S3 storage, not the origin');
    }
  });

  it('expired objects count as misses: stale results are re-processed and stale sources re-fetched', async () => {
    const png = await solid(10, 200, 10);
    origin.serve('/exp.png', png, 'image/png');
    const image = `${origin.url}/exp.png`;
    const c = await start([
      '-s3-storage-bucket',
      'expiry/src',
      '-s3-storage-expiration',
      '1h',
      '-s3-result-storage-bucket',
      'expiry/res',
      '-s3-result-storage-expiration',
      '1h',
    ]);
    const url = `${c.server.url}/unsafe/30x30/${image}`;
    assert.equal((await get(url)).status, 200);
    await c.server.app.idle();
    assert.equal((await get(url)).status, 200);
    assert.equal(c.processed(), 1, 'fresh result served from result storage');
    assert.equal(origin.hits.get('/exp.png'), 1);

    const keys = await s3.keys('expiry');
    const resKey = keys.find((k) => k.startsWith('res/'));
    const srcKey = keys.find((k) => k.startsWith('src/'));
    assert.ok(resKey && srcKey, JSON.stringify(keys));
    await s3.age('expiry', resKey, 2 * 3_600_000);
    await s3.age('expiry', srcKey, 2 * 3_600_000);
    const stale = await get(url);
    assert.equal(stale.status, 200);
    assert.equal(c.processed(), 2, 'expired result re-processed');
    assert.equal(origin.hits.get('/exp.png'), 2, 'expired source re-fetched');
    await c.server.app.idle();
    const fresh = await get(url);
    assert.equal(fresh.status, 200);
    assert.equal(c.processed(), 2, 'the overwritten result is fresh again');
  });

  it('awkward keys (spaces, unicode, {}, +, %-encoded) resolve to the right objects through the URL', async () => {
    const c = await start([
      '-s3-loader-bucket',
      'awkward',
      '-s3-result-storage-bucket',
      'awkward-results',
      '-imagor-result-storage-path-style',
      'suffix',
    ]);
    // image as the user means it, its object key (imagor normalisation), the URL path, a colour
    const table: Array<[string, string, string, [number, number, number]]> = [
      ['my photo/a b.png', 'my+photo/a+b.png', 'my%20photo/a%20b.png', [250, 0, 0]],
      [
        'ünï/çödé.png',
        '%C3%BCn%C3%AF/%C3%A7%C3%B6d%C3%A9.png',
        '%C3%BCn%C3%AF/%C3%A7%C3%B6d%C3%A9.png',
        [0, 250, 0],
      ],
      ['br{ace}s.png', 'br%7Bace%7Ds.png', 'br%7Bace%7Ds.png', [0, 0, 250]],
      ['a+b.png', 'a%2Bb.png', 'a%2Bb.png', [250, 250, 0]],
      ['pct%20lit.png', 'pct%2520lit.png', 'pct%2520lit.png', [0, 250, 250]],
    ];
    for (const [, key, , rgb] of table) await s3.write('awkward', key, await solid(...rgb), 'image/png');
    for (const [image, , urlPath, rgb] of table) {
      const r = await get(`${c.server.url}/unsafe/10x10/${urlPath}`);
      assert.equal(r.status, 200, image);
      assert.ok(near(await centre(r.body), rgb), `${image}: got ${String(await centre(r.body))}`);
    }
    await c.server.app.idle();
    const results = await s3.keys('awkward-results');
    assert.equal(results.length, table.length);
    for (const [image, key, urlPath, rgb] of table) {
      // the hash is taken over the path as it appears in the URL (imagor does the same)
      const dot = key.lastIndexOf('.');
      const stem = key.slice(0, dot);
      const h = sha1(`10x10/${urlPath}`).slice(0, 20);
      assert.ok(
        results.includes(`${stem}.${h}.png`),
        `${image} → ${stem}.${h}.png in ${JSON.stringify(results)}`,
      );
      const again = await get(`${c.server.url}/unsafe/10x10/${urlPath}`);
      assert.ok(near(await centre(again.body), rgb));
    }
    assert.equal(c.processed(), table.length, 'second round served from result storage');
  });
});
