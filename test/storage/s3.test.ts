import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ByteBudget } from '../../src/app/byte-budget.js';
import { ImageBlob } from '../../src/blob.js';
import { ImagorError } from '../../src/errors.js';
import type { LoadContext } from '../../src/types.js';
import { createS3Storage, type S3StorageOptions } from '../../src/storage/s3.js';
import { readFixture } from '../helpers/fixtures.js';

const ctx = (): LoadContext => ({ signal: new AbortController().signal, headers: {} });
const never = (): AbortSignal => new AbortController().signal;
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

async function rejectsWith(p: Promise<unknown>, status: number, message: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ImagorError, `expected ImagorError, got ${String(err)}`);
    assert.equal(err.status, status);
    assert.equal(err.message, message);
    return true;
  });
}

let dir: string;
let server: S3rver;
let endpoint: string;
let raw: S3Client;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'imagor-s3rver-'));
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: [
      { name: 'images' },
      { name: 'other' },
      { name: 'keys' },
      { name: 'prefixed' },
      { name: 'expiry' },
      { name: 'big' },
    ],
  });
  const addr = await server.run();
  endpoint = `http://127.0.0.1:${addr.port}`;
  raw = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: CREDENTIALS });
});

after(async () => {
  raw.destroy();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function storage(opts: Omit<S3StorageOptions, 'clientConfig'>): ReturnType<typeof createS3Storage> {
  return createS3Storage({
    ...opts,
    clientConfig: { region: 'us-east-1', endpoint, forcePathStyle: true, credentials: CREDENTIALS },
  });
}

async function listKeys(bucket: string): Promise<string[]> {
  const out = await raw.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
}

async function rawGet(bucket: string, key: string): Promise<string> {
  const out = await raw.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body === undefined ? '' : out.Body.transformToString();
}

describe('s3 storage against s3rver', () => {
  test('put, get, stat, delete round trip', async () => {
    const s = storage({ bucket: 'images' });
    assert.equal(s.name, 's3');
    const png = readFixture('imagor/gopher.png');
    await s.put('round/gopher.png', new ImageBlob(png), never());
    assert.deepEqual(await listKeys('images'), ['round/gopher.png']);

    const head = await raw.send(new HeadObjectCommand({ Bucket: 'images', Key: 'round/gopher.png' }));
    assert.equal(head.ContentType, 'image/png');
    assert.equal(head.ContentLength, png.length);

    const blob = await s.get('/round//gopher.png', ctx());
    assert.ok(blob.data.equals(png));
    assert.equal(blob.contentType, 'image/png');
    const md5 = createHash('md5').update(png).digest('hex');
    assert.equal(blob.stat?.etag, `"${md5}"`);
    assert.equal(blob.stat?.size, png.length);
    assert.ok(blob.stat?.modifiedTime instanceof Date);
    assert.deepEqual(blob.stat?.modifiedTime, head.LastModified);

    assert.deepEqual(await s.stat('round/gopher.png', ctx()), {
      size: png.length,
      modifiedTime: head.LastModified,
      etag: `"${md5}"`,
    });

    await s.delete('round/gopher.png', never());
    assert.deepEqual(await listKeys('images'), []);
    await rejectsWith(s.get('round/gopher.png', ctx()), 404, 'not found');
  });

  test('declared content type is kept for bytes that cannot be sniffed', async () => {
    const s = storage({ bucket: 'images' });
    await raw.send(
      new PutObjectCommand({
        Bucket: 'images',
        Key: 'typed.bin',
        Body: Buffer.from('???'),
        ContentType: 'image/x-custom',
      }),
    );
    const blob = await s.get('typed.bin', ctx());
    assert.equal(blob.contentType, 'image/x-custom');
    await s.put('untyped.bin', new ImageBlob(Buffer.from('???')), never());
    const head = await raw.send(new HeadObjectCommand({ Bucket: 'images', Key: 'untyped.bin' }));
    assert.equal(head.ContentType, 'application/octet-stream');
    await s.delete('typed.bin', never());
    await s.delete('untyped.bin', never());
  });

  test('missing objects and buckets map to 404; deleting missing keys is fine', async () => {
    const s = storage({ bucket: 'images' });
    await rejectsWith(s.get('nope/missing.jpg', ctx()), 404, 'not found');
    await rejectsWith(s.stat('nope/missing.jpg', ctx()), 404, 'not found');
    await s.delete('nope/missing.jpg', never());

    const noBucket = storage({ bucket: 'no-such-bucket' });
    await rejectsWith(noBucket.get('x.jpg', ctx()), 404, 'not found');
    await rejectsWith(noBucket.stat('x.jpg', ctx()), 404, 'not found');
    await noBucket.delete('x.jpg', never());
  });

  test('awkward keys resolve to the normalised object key', async () => {
    const s = storage({ bucket: 'keys' });
    const table: Array<[string, string]> = [
      ['a b/c d.jpg', 'a+b/c+d.jpg'],
      ['x y.jpg', 'x+y.jpg'],
      ['x+y.jpg', 'x%2By.jpg'],
      ['é/ü{1}.png', '%C3%A9/%C3%BC%7B1%7D.png'],
      ['a%2Fb', 'a%252Fb'],
      ['a/b', 'a/b'],
      ['p!"()*.jpg', 'p!"()*.jpg'],
      ['q[1]?&=.jpg', 'q%5B1%5D%3F%26%3D.jpg'],
      ['/lead//trail/', 'lead/trail'],
      ['dot/../dir/./x.jpg', 'dir/x.jpg'],
    ];
    for (const [key, want] of table) {
      assert.deepEqual(s.locate(key), { bucket: 'keys', key: want }, key);
      await s.put(key, new ImageBlob(Buffer.from(`body of ${key}`)), never());
    }
    assert.deepEqual(await listKeys('keys'), table.map(([, want]) => want).sort());
    for (const [key, want] of table) {
      assert.equal((await s.get(key, ctx())).data.toString(), `body of ${key}`, key);
      assert.equal(await rawGet('keys', want), `body of ${key}`, key);
    }
    for (const [key] of table) await s.delete(key, never());
    assert.deepEqual(await listKeys('keys'), []);
  });

  test('safe chars: configured ones are kept, -- disables escaping', async () => {
    const safe = storage({ bucket: 'keys', safeChars: '{}' });
    assert.deepEqual(safe.locate('a b/{x}[y].jpg'), { bucket: 'keys', key: 'a+b/{x}%5By%5D.jpg' });
    const none = storage({ bucket: 'keys', safeChars: '--' });
    assert.deepEqual(none.locate('a b/{x}[y]é.jpg'), { bucket: 'keys', key: 'a b/{x}[y]é.jpg' });
    await none.put('a b/{x}[y]é.jpg', new ImageBlob(Buffer.from('raw')), never());
    assert.deepEqual(await listKeys('keys'), ['a b/{x}[y]é.jpg']);
    assert.equal((await none.get('a b/{x}[y]é.jpg', ctx())).data.toString(), 'raw');
    await none.delete('a b/{x}[y]é.jpg', never());
  });

  test("bucket '*' takes the bucket from the first key segment", async () => {
    const s = storage({ bucket: '*' });
    assert.deepEqual(s.locate('images/w/1.jpg'), { bucket: 'images', key: 'w/1.jpg' });
    await s.put('images/w/1.jpg', new ImageBlob(Buffer.from('in images')), never());
    await s.put('/other/w/1.jpg', new ImageBlob(Buffer.from('in other')), never());
    assert.equal(await rawGet('images', 'w/1.jpg'), 'in images');
    assert.equal(await rawGet('other', 'w/1.jpg'), 'in other');
    assert.equal((await s.get('other/w/1.jpg', ctx())).data.toString(), 'in other');
    assert.equal((await s.stat('images/w/1.jpg', ctx())).size, 9);
    await rejectsWith(s.get('missing-bucket/w/1.jpg', ctx()), 404, 'not found');
    await rejectsWith(s.get('Bad_Bucket/w/1.jpg', ctx()), 400, 'invalid');
    await rejectsWith(s.get('images', ctx()), 400, 'invalid');
    await rejectsWith(s.get('images/', ctx()), 400, 'invalid');

    const based = storage({ bucket: '*', baseDir: 'base', pathPrefix: 'pre' });
    assert.deepEqual(based.locate('images/pre/x.jpg'), { bucket: 'images', key: 'base/x.jpg' });
    await rejectsWith(
      Promise.resolve().then(() => based.locate('images/x.jpg')),
      400,
      'invalid',
    );

    await s.delete('images/w/1.jpg', never());
    await s.delete('other/w/1.jpg', never());
    assert.deepEqual(await listKeys('images'), []);
    assert.deepEqual(await listKeys('other'), []);
  });

  test('base dir (in the bucket string or as option) and path prefix', async () => {
    const s = storage({ bucket: 'prefixed/base/dir/', pathPrefix: '/pre/' });
    await s.put('pre/x y.jpg', new ImageBlob(Buffer.from('x')), never());
    assert.deepEqual(await listKeys('prefixed'), ['base/dir/x+y.jpg']);
    assert.equal((await s.get('/pre/x y.jpg', ctx())).data.toString(), 'x');
    await rejectsWith(s.get('x y.jpg', ctx()), 400, 'invalid');
    await rejectsWith(s.get('prefix/x y.jpg', ctx()), 400, 'invalid');
    await rejectsWith(s.put('other/x.jpg', new ImageBlob(Buffer.from('x')), never()), 400, 'invalid');
    await rejectsWith(s.delete('other/x.jpg', never()), 400, 'invalid');
    // `..` cannot climb out of the base dir
    await rejectsWith(s.get('pre/../x y.jpg', ctx()), 400, 'invalid');
    await rejectsWith(s.get('../base/dir/x y.jpg', ctx()), 400, 'invalid');

    const opt = storage({ bucket: 'prefixed/ignored', baseDir: '/opt/base' });
    assert.deepEqual(opt.locate('k.jpg'), { bucket: 'prefixed', key: 'opt/base/k.jpg' });
    const plain = storage({ bucket: 'prefixed' });
    assert.deepEqual(plain.locate('base/dir/x y.jpg'), { bucket: 'prefixed', key: 'base/dir/x+y.jpg' });
    assert.equal((await plain.get('base/dir/x y.jpg', ctx())).data.toString(), 'x');
    await rejectsWith(
      Promise.resolve().then(() => plain.locate('')),
      400,
      'invalid',
    );
    await s.delete('pre/x y.jpg', never());
    assert.deepEqual(await listKeys('prefixed'), []);
  });

  test('expiration: objects older than the expiration are 410 expired', async () => {
    const s = storage({ bucket: 'expiry', expirationMs: 60_000 });
    await s.put('old.jpg', new ImageBlob(Buffer.from('old')), never());
    await s.put('new.jpg', new ImageBlob(Buffer.from('new')), never());
    // age the object inside s3rver's store: S3 reports the stored object's mtime as LastModified
    const past = new Date(Date.now() - 3_600_000);
    await utimes(server.store.getResourcePath('expiry', 'old.jpg', 'object'), past, past);
    await rejectsWith(s.get('old.jpg', ctx()), 410, 'expired');
    assert.equal((await s.get('new.jpg', ctx())).data.toString(), 'new');
    assert.equal(
      (await s.stat('old.jpg', ctx())).modifiedTime?.getTime(),
      Math.floor(past.getTime() / 1000) * 1000,
    );
    const noExpiry = storage({ bucket: 'expiry' });
    assert.equal((await noExpiry.get('old.jpg', ctx())).data.toString(), 'old');
  });

  test('put sends storage class, ACL and tagging; defaults to STANDARD without ACL/tagging', async () => {
    const client = new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: CREDENTIALS,
    });
    const sent: Array<Record<string, string | undefined>> = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { method?: string; headers?: Record<string, string> };
        if (req.method === 'PUT' && req.headers !== undefined) {
          sent.push({
            acl: req.headers['x-amz-acl'],
            tagging: req.headers['x-amz-tagging'],
            storageClass: req.headers['x-amz-storage-class'],
            contentType: req.headers['content-type'],
            contentLength: req.headers['content-length'],
          });
        }
        return next(args);
      },
      { step: 'finalizeRequest', name: 'captureHeaders' },
    );
    try {
      const full = createS3Storage({
        bucket: 'images',
        client,
        acl: 'public-read',
        tagging: 'a=b&c=d',
        storageClass: 'REDUCED_REDUNDANCY',
      });
      const png = readFixture('imagor/gopher.png');
      await full.put('h/full.png', new ImageBlob(png), never());
      const plain = createS3Storage({ bucket: 'images', client });
      await plain.put('h/plain.bin', new ImageBlob(Buffer.from('abc')), never());
      assert.deepEqual(sent, [
        {
          acl: 'public-read',
          tagging: 'a=b&c=d',
          storageClass: 'REDUCED_REDUNDANCY',
          contentType: 'image/png',
          contentLength: String(png.length),
        },
        {
          acl: undefined,
          tagging: undefined,
          storageClass: 'STANDARD',
          contentType: 'application/octet-stream',
          contentLength: '3',
        },
      ]);
      const head = await raw.send(new HeadObjectCommand({ Bucket: 'images', Key: 'h/full.png' }));
      assert.equal(head.StorageClass, 'REDUCED_REDUNDANCY');
      await full.delete('h/full.png', never());
      await plain.delete('h/plain.bin', never());
      assert.deepEqual(await listKeys('images'), []);
    } finally {
      client.destroy();
    }
  });

  test('aborted signals are honoured and an aborted put stores nothing', async () => {
    const s = storage({ bucket: 'images' });
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(s.put('ab/x.jpg', new ImageBlob(Buffer.from('x')), ac.signal), {
      name: 'AbortError',
    });
    assert.deepEqual(await listKeys('images'), []);
    await s.put('ab/y.jpg', new ImageBlob(Buffer.from('y')), never());
    await assert.rejects(s.get('ab/y.jpg', { signal: ac.signal, headers: {} }), { name: 'AbortError' });
    await assert.rejects(s.stat('ab/y.jpg', { signal: ac.signal, headers: {} }), { name: 'AbortError' });
    await assert.rejects(s.delete('ab/y.jpg', ac.signal), { name: 'AbortError' });
    assert.deepEqual(await listKeys('images'), ['ab/y.jpg']);
    await s.delete('ab/y.jpg', never());
  });
});

/**
 * A TCP proxy in front of s3rver that forwards each response's headers and the first `keep` bytes
 * of its body, then drops both connections: an object body cut mid-way, every time.
 */
async function cuttingProxy(target: number, keep: number): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    let head = Buffer.alloc(0);
    let bodyStart = -1;
    let sent = 0;
    upstream.on('data', (chunk: Buffer) => {
      if (bodyStart < 0) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        bodyStart = end + 4;
        chunk = head;
      }
      const upTo = bodyStart + keep - sent;
      if (chunk.length >= upTo) {
        client.write(chunk.subarray(0, upTo), drop);
        upstream.pause();
        return;
      }
      client.write(chunk);
      sent += chunk.length;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const sock of sockets) sock.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('s3 object bodies: the source byte budget and broken connections', () => {
  const BIG = Buffer.alloc(512 * 1024, 3);

  before(async () => {
    await raw.send(new PutObjectCommand({ Bucket: 'big', Key: 'big.bin', Body: BIG }));
  });

  test('a get reserves the object length before reading it; larger than the whole budget is 400', async () => {
    const s = storage({ bucket: 'big' });
    const budget = new ByteBudget(1024 * 1024, 4);
    const hold = budget.hold();
    const blob = await s.get('big.bin', { signal: never(), headers: {}, bytes: hold });
    assert.equal(blob.size, BIG.length);
    assert.equal(hold.held, BIG.length);
    hold.release();
    const small = new ByteBudget(100_000, 4);
    await rejectsWith(
      s.get('big.bin', { signal: never(), headers: {}, bytes: small.hold() }),
      400,
      'maximum size exceeded',
    );
    assert.equal(small.held, 0);
    s.client.destroy();
  });

  test('a body cut mid-way is a clean 502, gives its bytes back, and leaves no unhandled error', async () => {
    const proxy = await cuttingProxy(Number(new URL(endpoint).port), 64 * 1024);
    const s = createS3Storage({
      bucket: 'big',
      clientConfig: {
        region: 'us-east-1',
        endpoint: proxy.url,
        forcePathStyle: true,
        credentials: CREDENTIALS,
      },
    });
    const budget = new ByteBudget(1024 * 1024, 4);
    try {
      for (let i = 0; i < 3; i++) {
        const hold = budget.hold();
        await rejectsWith(
          s.get('big.bin', { signal: never(), headers: {}, bytes: hold }),
          502,
          's3: object body could not be read',
        );
        assert.equal(hold.held, 0);
      }
      assert.equal(budget.held, 0);
      // read without the proxy, the same object loads whole
      const direct = storage({ bucket: 'big' });
      assert.equal((await direct.get('big.bin', ctx())).size, BIG.length);
      direct.client.destroy();
    } finally {
      s.client.destroy();
      await proxy.close();
    }
  });
});
