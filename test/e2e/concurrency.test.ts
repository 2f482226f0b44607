import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { get } from '../helpers/server.js';
import { requestsArrived, startCounted, startOrigin, type Counted, type Origin } from '../storage/harness.js';

let origin: Origin;
let png: Buffer;
const running: Counted[] = [];

async function start(args: string[]): Promise<Counted> {
  const c = await startCounted(['-imagor-unsafe', '-http-loader-block-loopback-networks=false', ...args]);
  running.push(c);
  return c;
}

before(async () => {
  origin = await startOrigin();
  png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#884422' } })
    .png()
    .toBuffer();
});

after(async () => {
  await origin.close();
  for (const c of running) await c.server.close(1000);
});

describe('de-duplication, process limits and timeouts', () => {
  it('N identical concurrent requests share one load and one processing', async () => {
    const N = 8;
    origin.serve('/dedup.png', png, 'image/png', 'held');
    const c = await start([]);
    const arrived = requestsArrived(c.server.server, N);
    const url = `${c.server.url}/unsafe/32x32/${origin.url}/dedup.png`;
    const all = Array.from({ length: N }, () => get(url));
    await arrived; // every request has entered the pipeline (joined the single flight)
    await origin.arrived('/dedup.png', 1);
    origin.release('/dedup.png');
    const res = await Promise.all(all);
    for (const r of res) {
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, res[0]?.body);
    }
    assert.equal(c.processed(), 1);
    assert.equal(origin.hits.get('/dedup.png'), 1);
  });

  it('-imagor-process-concurrency 1 without queue: the first is served, the rest get 429 at once', async () => {
    origin.serve('/block.png', png, 'image/png', 'held');
    origin.serve('/other.png', png, 'image/png');
    const c = await start(['-imagor-process-concurrency', '1', '-imagor-process-queue-size', '0']);
    const first = get(`${c.server.url}/unsafe/32x32/${origin.url}/block.png`);
    await origin.arrived('/block.png', 1); // holds the only processing slot
    const rest = await Promise.all(
      [10, 20, 30, 40].map((w) => get(`${c.server.url}/unsafe/${w}x${w}/${origin.url}/other.png`)),
    );
    for (const r of rest) {
      assert.equal(r.status, 429);
      assert.deepEqual(JSON.parse(r.body.toString()), { message: 'too many requests', status: 429 });
    }
    assert.equal(origin.hits.get('/other.png'), undefined, 'refused requests loaded nothing');
    origin.release('/block.png');
    assert.equal((await first).status, 200);
    // the slot is free again
    assert.equal((await get(`${c.server.url}/unsafe/10x10/${origin.url}/other.png`)).status, 200);
  });

  it('a queued request that cannot get a slot before the request deadline gets 408', async () => {
    origin.serve('/stuck.png', png, 'image/png', 'held');
    // the queued request's own source is held too: whether its deadline strikes while it waits in
    // the queue or just after it got the slot freed by the first one's deadline, it ends in 408
    origin.serve('/queued.png', png, 'image/png', 'held');
    const c = await start([
      '-imagor-process-concurrency',
      '1',
      '-imagor-process-queue-size',
      '1',
      '-imagor-request-timeout',
      '1s',
    ]);
    const limiter = c.server.app.limiter;
    const first = get(`${c.server.url}/unsafe/32x32/${origin.url}/stuck.png`);
    await origin.arrived('/stuck.png', 1);
    const queued = get(`${c.server.url}/unsafe/16x16/${origin.url}/queued.png`);
    while (limiter.queued < 1) await new Promise((r) => setImmediate(r));
    assert.equal(limiter.inFlight, 1);
    assert.equal(limiter.queued, 1, 'the second request waits in the queue');
    // the gate (1 slot + 1 queued) is full: a third is refused at once
    const third = await get(`${c.server.url}/unsafe/8x8/${origin.url}/queued.png`);
    assert.equal(third.status, 429);
    const q = await queued;
    assert.equal(q.status, 408);
    assert.deepEqual(JSON.parse(q.body.toString()), { message: 'timeout', status: 408 });
    assert.equal((await first).status, 408, 'the held one hits the same deadline');
    origin.release('/stuck.png');
    origin.release('/queued.png');
  });

  it('-imagor-response-raw-on-error answers the error status with the unprocessed source', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'imagor-raw-'));
    try {
      // a JPEG signature followed by garbage: loads fine, cannot be decoded
      const broken = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]);
      await writeFile(path.join(dir, 'broken.jpg'), broken);
      const on = await start([
        '-file-loader-base-dir',
        dir,
        '-http-loader-disable',
        '-imagor-response-raw-on-error',
      ]);
      const r = await get(`${on.server.url}/unsafe/20x20/broken.jpg`);
      assert.equal(r.status, 406);
      assert.equal(r.headers.get('content-type'), 'image/jpeg');
      assert.deepEqual(r.body, broken);
      assert.equal(r.headers.get('etag'), null);

      const off = await start(['-file-loader-base-dir', dir, '-http-loader-disable']);
      const e = await get(`${off.server.url}/unsafe/20x20/broken.jpg`);
      assert.equal(e.status, 406);
      assert.equal(e.headers.get('content-type'), 'application/json');

      // no source at all: nothing raw to send, the error stays an error
      const missing = await get(`${on.server.url}/unsafe/20x20/missing.jpg`);
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get('content-type'), 'application/json');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
