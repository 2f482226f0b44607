import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import * as library from '../../src/index.js';
import { createImagor, createSigner, type Imagor } from '../../src/index.js';
import { fixturePath, readFixture } from '../helpers/fixtures.js';

const size = async (b: Buffer): Promise<[number, number, string]> => {
  const m = await sharp(b).metadata();
  return [m.width, m.height, m.format];
};

describe('createImagor options', () => {
  it('takes the CLI flag names with typed values and fills in the defaults', () => {
    const imagor = createImagor({
      'imagor-unsafe': true,
      'file-loader-base-dir': 'x',
      'imagor-request-timeout': 5000,
      'imagor-save-timeout': '2s',
      'vips-max-width': 4000,
    });
    assert.equal(imagor.config['imagor-unsafe'], true);
    assert.equal(imagor.config['file-loader-base-dir'], 'x');
    assert.equal(imagor.config['imagor-request-timeout'], 5000);
    assert.equal(imagor.config['imagor-save-timeout'], 2000);
    assert.equal(imagor.config['vips-max-width'], 4000);
    assert.equal(imagor.config['port'], 8000);
    assert.equal(imagor.config['imagor-signer-type'], 'sha1');
  });

  it('refuses unknown names and values of the wrong kind with a TypeError', () => {
    assert.throws(() => createImagor({ 'no-such-flag': true } as never), {
      name: 'TypeError',
      message: 'createImagor: unknown option "no-such-flag"',
    });
    assert.throws(() => createImagor({ 'imagor-unsafe': 'yes' } as never), {
      name: 'TypeError',
      message: 'createImagor: option "imagor-unsafe" takes a bool, got string',
    });
    assert.throws(
      () => createImagor({ 'imagor-save-timeout': 'soon' }),
      /createImagor: invalid value "soon"/,
    );
  });

  it('does not read environment variables', () => {
    process.env['IMAGOR_SECRET'] = 'from-env';
    try {
      assert.equal(createImagor({}).config['imagor-secret'], '');
    } finally {
      delete process.env['IMAGOR_SECRET'];
    }
  });
});

describe('imagor.process', () => {
  let imagor: Imagor;
  before(() => {
    imagor = createImagor({
      'imagor-unsafe': true,
      'file-loader-base-dir': fixturePath(''),
      'http-loader-disable': true,
    });
  });
  after(() => imagor.close());

  it('processes a Buffer with only the operations in the path', async () => {
    const r = await imagor.process('fit-in/100x100/filters:format(webp)', readFixture('imagor/gopher.png'));
    assert.equal(r.status, 200);
    assert.equal(r.headers['Content-Type'], 'image/webp');
    assert.equal(r.headers['Content-Length'], String(r.body.length));
    const [w, h, format] = await size(r.body);
    assert.equal(format, 'webp');
    assert.equal(Math.max(w, h), 100);
  });

  it('gives the same bytes for a Buffer, a Uint8Array, a file path and a stream', async () => {
    const ops = '80x60/filters:format(png)';
    const file = fixturePath('sharp/Landscape_1.jpg');
    const bytes = readFixture('sharp/Landscape_1.jpg');
    const results = await Promise.all([
      imagor.process(ops, bytes),
      imagor.process(ops, new Uint8Array(bytes)),
      imagor.process(ops, file),
      imagor.process(ops, createReadStream(file, { highWaterMark: 1024 })),
      imagor.process(ops, Readable.from([bytes.subarray(0, 100), bytes.subarray(100)])),
    ]);
    for (const r of results) {
      assert.equal(r.status, 200);
      assert.deepEqual(await size(r.body), [80, 60, 'png']);
      assert.ok(r.body.equals(results[0]?.body ?? Buffer.alloc(0)));
    }
  });

  it('keeps concurrent calls with the same operations apart', async () => {
    const ops = 'fit-in/50x50/filters:format(png)';
    const [a, b] = await Promise.all([
      imagor.process(ops, readFixture('imagor/gopher.png')),
      imagor.process(ops, readFixture('sharp/Landscape_1.jpg')),
    ]);
    assert.notDeepEqual(await size(a?.body ?? Buffer.alloc(0)), await size(b?.body ?? Buffer.alloc(0)));
  });

  it('loads watermark images from the configured loaders', async () => {
    const plain = await imagor.process('200x150/filters:format(png)', fixturePath('sharp/Landscape_1.jpg'));
    const marked = await imagor.process(
      '200x150/filters:watermark(imagor/gopher.png,0,0,0):format(png)',
      fixturePath('sharp/Landscape_1.jpg'),
    );
    assert.equal(marked.status, 200);
    assert.deepEqual(await size(marked.body), [200, 150, 'png']);
    assert.ok(!marked.body.equals(plain.body));
  });

  it('processes a whole path from the loaders without input', async () => {
    const r = await imagor.process('/fit-in/64x64/imagor/gopher.png');
    assert.equal(r.status, 200);
    assert.equal(r.headers['Content-Type'], 'image/png');
    const unsafe = await imagor.process('unsafe/fit-in/64x64/imagor/gopher.png');
    assert.ok(unsafe.body.equals(r.body));
  });

  it('answers errors as imagor does, without throwing', async () => {
    const missing = await imagor.process('fit-in/64x64/no/such.png');
    assert.equal(missing.status, 404);
    assert.deepEqual(JSON.parse(missing.body.toString()), { message: 'not found', status: 404 });
    const junk = await imagor.process('100x100', Buffer.from('not an image at all'));
    assert.ok(junk.status >= 400 && junk.status < 500, String(junk.status));
    assert.equal(junk.headers['Content-Type'], 'application/json');
    await assert.rejects(imagor.process('100x100', fixturePath('no-such-file.png')), { code: 'ENOENT' });
  });

  it('stops when the signal aborts', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await imagor.process('100x100', readFixture('imagor/gopher.png'), { signal: ac.signal });
    assert.equal(r.status, 499);
  });

  it('honours request headers such as Accept with -imagor-auto-webp', async () => {
    const auto = createImagor({ 'imagor-auto-webp': true, 'http-loader-disable': true });
    const png = readFixture('imagor/gopher.png');
    const webp = await auto.process('64x64', png, { headers: { Accept: 'image/webp,*/*' } });
    assert.equal(webp.headers['Content-Type'], 'image/webp');
    assert.equal(webp.headers['Vary'], 'Accept');
    const plain = await auto.process('64x64', png);
    assert.equal(plain.headers['Content-Type'], 'image/png');
  });
});

describe('imagor.process in signed mode and with storages', () => {
  it('signs paths itself, while clients still need a signature', async () => {
    const imagor = createImagor({ 'imagor-secret': 's3cr3t', 'file-loader-base-dir': fixturePath('') });
    const r = await imagor.process('fit-in/32x32/imagor/gopher.png');
    assert.equal(r.status, 200);
    const wrong = await imagor.process('AAAAAAAAAAAAAAAAAAAAAAAAAAA=/fit-in/32x32/imagor/gopher.png');
    assert.equal(wrong.status, 403);
    const client = await imagor.fetch(new Request('http://x/unsafe/fit-in/32x32/imagor/gopher.png'));
    assert.equal(client.status, 403);
    const p = 'fit-in/32x32/imagor/gopher.png';
    const signed = await imagor.fetch(
      new Request(`http://x/${createSigner({ secret: 's3cr3t' }).sign(p)}/${p}`),
    );
    assert.equal(signed.status, 200);
  });

  it('never writes bytes handed in to a storage or result storage', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'imagor-lib-'));
    try {
      const imagor = createImagor({
        'imagor-unsafe': true,
        'file-loader-base-dir': fixturePath(''),
        'file-storage-base-dir': path.join(dir, 'storage'),
        'file-result-storage-base-dir': path.join(dir, 'results'),
      });
      const r = await imagor.process('fit-in/40x40', readFixture('imagor/gopher.png'));
      assert.equal(r.status, 200);
      await imagor.close();
      assert.deepEqual(await readdir(dir), []);
      // paths from the loaders use the storages as the server does
      await imagor.process('fit-in/40x40/imagor/gopher.png');
      await imagor.close();
      assert.deepEqual((await readdir(dir)).sort(), ['results', 'storage']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('imagor.handler and imagor.fetch', () => {
  let imagor: Imagor;
  before(() => {
    imagor = createImagor({
      'imagor-unsafe': true,
      'file-loader-base-dir': fixturePath(''),
      'http-loader-disable': true,
      'server-cors': true,
    });
  });

  it('serves the same routes through node:http', async () => {
    const server = http.createServer(imagor.handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const img = await fetch(`${base}/unsafe/fit-in/50x50/imagor/gopher.png`, {
        headers: { Origin: 'http://a' },
      });
      assert.equal(img.status, 200);
      assert.equal(img.headers.get('content-type'), 'image/png');
      assert.equal(img.headers.get('access-control-allow-origin'), '*');
      assert.equal((await fetch(`${base}/healthcheck`)).status, 200);
      const params = (await (await fetch(`${base}/params/unsafe/50x50/a.jpg`)).json()) as { width: number };
      assert.equal(params.width, 50);
      const page = await fetch(`${base}/`);
      assert.match(await page.text(), /imagor-ts playground/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('answers Web Requests with Web Responses', async () => {
    const ok = await imagor.fetch(new Request('http://example.com/unsafe/fit-in/50x50/imagor/gopher.png'));
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'image/png');
    const [w, h, format] = await size(Buffer.from(await ok.arrayBuffer()));
    assert.equal(format, 'png');
    assert.equal(Math.max(w, h), 50);
    const head = await imagor.fetch(
      new Request('http://x/unsafe/50x50/imagor/gopher.png', { method: 'HEAD' }),
    );
    assert.equal(head.status, 200);
    assert.equal((await head.arrayBuffer()).byteLength, 0);
    const missing = await imagor.fetch(new Request('http://x/unsafe/50x50/nope.png'));
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { message: 'not found', status: 404 });
    const preflight = await imagor.fetch(
      new Request('http://x/unsafe/a.png', {
        method: 'OPTIONS',
        headers: { Origin: 'http://a', 'Access-Control-Request-Method': 'GET' },
      }),
    );
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET, POST, HEAD');
  });

  it('hands POST bodies to the upload loader', async () => {
    const uploads = createImagor({ 'imagor-unsafe': true, 'upload-loader-enable': true });
    const r = await uploads.fetch(
      new Request('http://x/unsafe/20x10/filters:format(jpeg)/', {
        method: 'POST',
        headers: { 'Content-Type': 'image/png' },
        body: new Uint8Array(readFixture('imagor/gopher.png')),
      }),
    );
    assert.equal(r.status, 200);
    assert.deepEqual(await size(Buffer.from(await r.arrayBuffer())), [20, 10, 'jpeg']);
  });

  it('is usable unbound, as Bun.serve({ fetch }) and Deno.serve(fetch) call it', async () => {
    const { fetch: handle } = imagor;
    const r = await handle(new Request('http://x/healthcheck'));
    assert.equal(r.status, 200);
  });
});

describe('package entry point', () => {
  it('exports createImagor and the URL library', () => {
    for (const name of [
      'createImagor',
      'parse',
      'generate',
      'generatePath',
      'generateUnsafe',
      'createSigner',
      'signAsync',
      'paramsToJSON',
    ]) {
      assert.equal(typeof (library as Record<string, unknown>)[name], 'function', name);
    }
  });
});
