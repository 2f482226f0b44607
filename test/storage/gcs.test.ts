import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Storage as GcsClient } from '@google-cloud/storage';
import { ByteBudget } from '../../src/app/byte-budget.js';
import { ImageBlob } from '../../src/blob.js';
import { ImagorError } from '../../src/errors.js';
import type { LoadContext } from '../../src/types.js';
import { createGcsStorage, type GcsStorageOptions } from '../../src/storage/gcs.js';
import { readFixture } from '../helpers/fixtures.js';
import { startFakeGcs, type FakeGcs } from './fake-gcs.js';

const ctx = (): LoadContext => ({ signal: new AbortController().signal, headers: {} });
const never = (): AbortSignal => new AbortController().signal;

async function rejectsWith(p: Promise<unknown>, status: number, message: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ImagorError, `expected ImagorError, got ${String(err)}`);
    assert.equal(err.status, status);
    assert.equal(err.message, message);
    return true;
  });
}

let fake: FakeGcs;
let client: GcsClient;

before(async () => {
  fake = await startFakeGcs(['images', 'results', 'other', 'broken', 'cut']);
  client = new GcsClient({ apiEndpoint: fake.url, projectId: 'test', retryOptions: { maxRetries: 1 } });
});

after(async () => {
  await fake.close();
});

const storage = (opts: Omit<GcsStorageOptions, 'client'>): ReturnType<typeof createGcsStorage> =>
  createGcsStorage({ ...opts, client });

describe('gcs storage against the fake GCS JSON API', () => {
  test('put, get, stat, delete round trip through the real client', async () => {
    const s = storage({ bucket: 'images' });
    const png = readFixture('imagor/gopher.png');
    await s.put('dir/gopher.png', new ImageBlob(png), never());
    const stored = fake.get('images', 'dir/gopher.png');
    assert.ok(stored);
    assert.deepEqual(stored.data, png);
    assert.equal(stored.contentType, 'image/png');

    const blob = await s.get('dir/gopher.png', ctx());
    assert.deepEqual(blob.data, png);
    assert.equal(blob.contentType, 'image/png');
    assert.equal(blob.stat?.size, png.length);
    assert.ok(blob.stat?.etag);
    assert.equal(blob.stat.modifiedTime?.getTime(), stored.updated.getTime());

    const st = await s.stat('dir/gopher.png', ctx());
    assert.equal(st.size, png.length);
    assert.equal(st.etag, blob.stat.etag);

    await s.delete('dir/gopher.png', never());
    assert.equal(fake.get('images', 'dir/gopher.png'), undefined);
    await rejectsWith(s.get('dir/gopher.png', ctx()), 404, 'not found');
    await s.delete('dir/gopher.png', never()); // missing: fine
  });

  test('missing objects and buckets are 404', async () => {
    await rejectsWith(storage({ bucket: 'images' }).get('nope.jpg', ctx()), 404, 'not found');
    await rejectsWith(storage({ bucket: 'no-such-bucket' }).get('x.jpg', ctx()), 404, 'not found');
    await rejectsWith(storage({ bucket: 'images' }).stat('nope.jpg', ctx()), 404, 'not found');
  });

  test('awkward keys are normalised; base dir, path prefix and bucket * map to the right object', async () => {
    const s = storage({ bucket: 'images' });
    await s.put('a b/é{1}+x.jpg', new ImageBlob(Buffer.from('one')), never());
    assert.deepEqual(fake.keys('images').includes('a+b/%C3%A9%7B1%7D%2Bx.jpg'), true);
    assert.equal((await s.get('a b/é{1}+x.jpg', ctx())).data.toString(), 'one');

    const based = storage({ bucket: 'other/base/dir', pathPrefix: 'pre' });
    await based.put('pre/k.jpg', new ImageBlob(Buffer.from('two')), never());
    assert.deepEqual(fake.keys('other'), ['base/dir/k.jpg']);
    await rejectsWith(based.get('elsewhere/k.jpg', ctx()), 400, 'invalid');

    const star = storage({ bucket: '*' });
    assert.equal((await star.get('other/base/dir/k.jpg', ctx())).data.toString(), 'two');
    await rejectsWith(star.get('Bad_Bucket!/k.jpg', ctx()), 400, 'invalid');
    assert.deepEqual(storage({ bucket: 'images', safeChars: '{}' }).locate('é{1}.jpg'), {
      bucket: 'images',
      key: '%C3%A9{1}.jpg',
    });
    assert.deepEqual(storage({ bucket: 'images', safeChars: '--' }).locate('a b.jpg'), {
      bucket: 'images',
      key: 'a b.jpg',
    });
  });

  test('expiration: an old object is 410 expired and is not downloaded', async () => {
    const s = storage({ bucket: 'images', expirationMs: 60_000 });
    fake.put('images', 'old.jpg', Buffer.from('old'));
    const o = fake.get('images', 'old.jpg');
    assert.ok(o);
    o.updated = new Date(Date.now() - 120_000);
    const media = fake.calls.media;
    await rejectsWith(s.get('old.jpg', ctx()), 410, 'expired');
    assert.equal(fake.calls.media, media);
    fake.put('images', 'fresh.jpg', Buffer.from('fresh'));
    assert.equal((await s.get('fresh.jpg', ctx())).data.toString(), 'fresh');
  });

  test('upload errors are reported (imagor loses them) and leave no object', async () => {
    fake.failUploads.set('broken', 403);
    const s = storage({ bucket: 'broken' });
    await assert.rejects(s.put('x.jpg', new ImageBlob(Buffer.from('x')), never()), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /upload refused by the fake/);
      return true;
    });
    assert.deepEqual(fake.keys('broken'), []);
    await assert.rejects(
      storage({ bucket: 'no-such-bucket' }).put('x.jpg', new ImageBlob(Buffer.from('x')), never()),
    );
  });

  test('the predefined ACL is sent with uploads', async () => {
    const s = storage({ bucket: 'results', acl: 'publicRead' });
    await s.put('acl.jpg', new ImageBlob(Buffer.from('a')), never());
    assert.equal(fake.get('results', 'acl.jpg')?.predefinedAcl, 'publicRead');
    await storage({ bucket: 'results' }).put('noacl.jpg', new ImageBlob(Buffer.from('a')), never());
    assert.equal(fake.get('results', 'noacl.jpg')?.predefinedAcl, undefined);
  });

  test('an already aborted put uploads nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    const uploads = fake.calls.upload;
    await assert.rejects(
      storage({ bucket: 'results' }).put('ab.jpg', new ImageBlob(Buffer.from('x')), ac.signal),
    );
    assert.equal(fake.calls.upload, uploads);
    assert.equal(fake.get('results', 'ab.jpg'), undefined);
  });
});

describe('gcs object bodies: the source byte budget and broken connections', () => {
  const BIG = Buffer.alloc(256 * 1024, 5);

  test('a get reserves the object size before downloading; larger than the whole budget is 400 without a download', async () => {
    fake.put('images', 'big.bin', BIG);
    const s = storage({ bucket: 'images' });
    const budget = new ByteBudget(1024 * 1024, 4);
    const hold = budget.hold();
    const blob = await s.get('big.bin', { signal: never(), headers: {}, bytes: hold });
    assert.equal(blob.size, BIG.length);
    assert.equal(hold.held, BIG.length);
    hold.release();
    const media = fake.calls.media;
    const small = new ByteBudget(1000, 4);
    await rejectsWith(
      s.get('big.bin', { signal: never(), headers: {}, bytes: small.hold() }),
      400,
      'maximum size exceeded',
    );
    assert.equal(fake.calls.media, media);
    assert.equal(small.held, 0);
  });

  test('a download cut mid-way is a clean 502 and gives its bytes back', async () => {
    fake.put('cut', 'big.bin', BIG);
    fake.cutMedia.set('cut', { after: 10_000, chunked: true });
    const s = storage({ bucket: 'cut' });
    const budget = new ByteBudget(1024 * 1024, 4);
    const hold = budget.hold();
    await rejectsWith(
      s.get('big.bin', { signal: never(), headers: {}, bytes: hold }),
      502,
      'gcs: object body could not be read',
    );
    assert.equal(budget.held, 0);
    fake.cutMedia.delete('cut');
    assert.equal((await s.get('big.bin', ctx())).size, BIG.length);
  });

  test('a download cut short of its Content-Length (which the client library does not report) ends at the deadline', async () => {
    fake.put('cut', 'big.bin', BIG);
    fake.cutMedia.set('cut', { after: 10_000 });
    const s = storage({ bucket: 'cut' });
    const budget = new ByteBudget(1024 * 1024, 4);
    const ac = new AbortController();
    const timer = setTimeout(
      () => ac.abort(new DOMException('The operation timed out.', 'TimeoutError')),
      300,
    );
    try {
      await assert.rejects(s.get('big.bin', { signal: ac.signal, headers: {}, bytes: budget.hold() }), {
        name: 'TimeoutError',
      });
      assert.equal(budget.held, 0);
    } finally {
      clearTimeout(timer);
      fake.cutMedia.delete('cut');
    }
  });
});
