import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { get } from '../helpers/server.js';
import {
  listFiles,
  plainGet,
  startCounted,
  startOrigin,
  startS3,
  type Counted,
  type Origin,
  type S3Fixture,
} from '../storage/harness.js';

let tmp: string;
let origin: Origin;
let s3: S3Fixture;
let noise: Buffer;
const running: Counted[] = [];

async function start(args: string[], extras: Parameters<typeof startCounted>[1] = {}): Promise<Counted> {
  const c = await startCounted(
    ['-imagor-unsafe', '-http-loader-block-loopback-networks=false', ...args],
    extras,
  );
  running.push(c);
  return c;
}

const dir = (name: string): string => path.join(tmp, name);

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'imagor-e2e-file-'));
  origin = await startOrigin();
  s3 = await startS3(['sources']);
  // random pixels: a PNG of several hundred KiB, written in many chunks
  noise = await sharp(randomBytes(300 * 300 * 3), { raw: { width: 300, height: 300, channels: 3 } })
    .png()
    .toBuffer();
});

after(async () => {
  for (const c of running) await c.server.close(1000);
  await origin.close();
  await s3.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('file storage and result storage through the real server', () => {
  it('a source that breaks mid-stream leaves nothing in file storage or S3 storage', async () => {
    origin.serve('/half.png', noise, 'image/png', 'half');
    const c = await start([
      ...s3.flags,
      '-file-storage-base-dir',
      dir('src-half'),
      '-s3-storage-bucket',
      'sources',
      '-file-result-storage-base-dir',
      dir('res-half'),
    ]);
    const r = await get(`${c.server.url}/unsafe/50x50/${origin.url}/half.png`);
    assert.notEqual(r.status, 200);
    assert.ok(r.status >= 400, String(r.status));
    await c.server.app.idle();
    assert.equal(origin.hits.get('/half.png'), 1);
    assert.deepEqual(await listFiles(dir('src-half')), []);
    assert.deepEqual(await listFiles(dir('res-half')), []);
    assert.deepEqual(await s3.keys('sources'), []);
    assert.equal(c.processed(), 0);
  });

  it('a result write killed half-way leaves nothing under the final name; the next request redoes it', async () => {
    origin.serve('/big.png', noise, 'image/png');
    let armed = true;
    let killed = 0;
    const c = await start(['-file-result-storage-base-dir', dir('res-kill')], {
      fileWriteFault: (storage, written, total) => {
        if (armed && storage === 'file-result-storage' && written >= total / 2 && written < total) {
          killed++;
          throw new Error('injected fault: disk went away');
        }
      },
    });
    const url = `${c.server.url}/unsafe/filters:format(png)/${origin.url}/big.png`;
    const first = await get(url);
    assert.equal(first.status, 200);
    assert.ok(first.body.length > 128 * 1024, 'the result spans several write chunks');
    await c.server.app.idle();
    assert.equal(killed, 1);
    assert.deepEqual(await listFiles(dir('res-kill')), [], 'no final file and no temp file');

    armed = false;
    const second = await get(url);
    assert.equal(second.status, 200);
    assert.equal(c.processed(), 2, 'the failed write was not a cache entry');
    await c.server.app.idle();
    const files = await listFiles(dir('res-kill'));
    assert.equal(files.length, 1);
    assert.deepEqual(await readFile(path.join(dir('res-kill'), files[0] ?? '')), second.body);
    const third = await get(url);
    assert.deepEqual(third.body, second.body);
    assert.equal(c.processed(), 2);
  });

  it('result-storage hits carry ETag/Last-Modified and answer 304; expired results are re-processed', async () => {
    await writeFile(path.join(tmp, 'src-304.png'), noise);
    const c = await start([
      '-http-loader-disable',
      '-file-loader-base-dir',
      tmp,
      '-file-result-storage-base-dir',
      dir('res-304'),
      '-file-result-storage-expiration',
      '1h',
    ]);
    const url = `${c.server.url}/unsafe/40x40/src-304.png`;
    const fresh = await plainGet(url);
    assert.equal(fresh.status, 200);
    assert.equal(fresh.headers.etag, undefined);
    await c.server.app.idle();
    const hit = await plainGet(url);
    assert.equal(hit.status, 200);
    assert.equal(c.processed(), 1);
    const etag = hit.headers.etag;
    assert.ok(etag);
    assert.ok(hit.headers['last-modified']);
    assert.equal((await plainGet(url, { 'If-None-Match': etag })).status, 304);
    assert.equal((await plainGet(url, { 'If-None-Match': '"other"' })).status, 200);
    assert.equal(
      (await plainGet(url, { 'If-Modified-Since': hit.headers['last-modified'] ?? '' })).status,
      304,
    );
    assert.equal(c.processed(), 1);

    const [file] = await listFiles(dir('res-304'));
    const past = new Date(Date.now() - 2 * 3_600_000);
    await utimes(path.join(dir('res-304'), file ?? ''), past, past);
    const stale = await plainGet(url, { 'If-None-Match': etag });
    assert.equal(stale.status, 200, 'an expired result is a miss, not a 304');
    assert.equal(c.processed(), 2);
  });

  it('-imagor-modified-time-check re-processes when the source is newer than the result', async () => {
    const srcDir = dir('mt-src');
    await mkdir(srcDir, { recursive: true });
    await writeFile(path.join(srcDir, 'img.png'), noise);
    const base = ['-http-loader-disable', '-file-loader-base-dir', srcDir];
    const checked = await start([
      ...base,
      '-file-result-storage-base-dir',
      dir('mt-res-on'),
      '-imagor-modified-time-check',
    ]);
    const unchecked = await start([...base, '-file-result-storage-base-dir', dir('mt-res-off')]);
    for (const c of [checked, unchecked]) {
      assert.equal((await get(`${c.server.url}/unsafe/20x20/img.png`)).status, 200);
      await c.server.app.idle();
      assert.equal((await get(`${c.server.url}/unsafe/20x20/img.png`)).status, 200);
      assert.equal(c.processed(), 1, 'unchanged source: result storage hit');
    }
    const future = new Date(Date.now() + 3_600_000);
    await utimes(path.join(srcDir, 'img.png'), future, future);
    assert.equal((await get(`${checked.server.url}/unsafe/20x20/img.png`)).status, 200);
    assert.equal(checked.processed(), 2, 'newer source: re-processed');
    assert.equal((await get(`${unchecked.server.url}/unsafe/20x20/img.png`)).status, 200);
    assert.equal(unchecked.processed(), 1, 'without the check the stored result is served');
  });
});
