/**
 * The library examples of docs/library.md, verbatim apart from the import specifier ('imagor-ts' → the sources) and
 * each wrapped in a test with assertions on what it produced. Run from the repository root, as the README
 * assumes (the examples use ./examples).
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { createImagor, createSigner, generate, generatePath, parse } from '../../src/index.js';
import { signAsync } from '../../src/path/index.js';
import { ROOT } from '../helpers/fixtures.js';

process.chdir(ROOT);

describe('docs/library.md: library examples', () => {
  it('process a Buffer, a file, a stream or a loader path', async () => {
    // ---- README example 1 ----
    const imagor = createImagor({ 'imagor-unsafe': true, 'file-loader-base-dir': './examples' });

    // bytes in memory: the path holds only the operations
    const input = await readFile('./examples/gopher.png');
    const thumb = await imagor.process('fit-in/100x100/filters:format(webp)', input);
    // thumb.status 200, thumb.headers['Content-Type'] 'image/webp', thumb.body: Buffer

    // a file path or a stream work the same way
    const fromFile = await imagor.process('200x200/smart', './examples/photo.jpg');
    const fromStream = await imagor.process(
      'fit-in/64x64/filters:grayscale()',
      createReadStream('./examples/demo1.jpg'),
    );

    // a whole imagor path: the image comes from the configured loaders (no signature needed here)
    const fromLoader = await imagor.process('fit-in/300x200/filters:fill(white)/gopher.png');
    // ---- end ----

    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers['Content-Type'], 'image/webp');
    const t = await sharp(thumb.body).metadata();
    assert.equal(t.format, 'webp');
    assert.ok(Math.max(t.width, t.height) === 100);
    assert.equal(fromFile.status, 200);
    assert.deepEqual(
      [(await sharp(fromFile.body).metadata()).width, (await sharp(fromFile.body).metadata()).height],
      [200, 200],
    );
    assert.equal(fromStream.status, 200);
    const grey = await sharp(fromStream.body).stats();
    const [r, g = r, b = r] = grey.channels.map((c) => Math.round(c.mean));
    assert.ok(r === g && g === b, 'grayscale');
    assert.equal(fromLoader.status, 200);
    const l = await sharp(fromLoader.body).metadata();
    assert.deepEqual([l.width, l.height], [300, 200]);
  });

  it('mount the server in a node:http app', async () => {
    process.env['PORT'] = '0';
    // ---- README example 2 ----
    const imagor = createImagor({
      'imagor-secret': 'mysecret',
      'file-loader-base-dir': './examples',
      'server-path-prefix': '/images',
    });

    const server = http.createServer((req, res) => {
      if (req.url?.startsWith('/images/')) return imagor.handler(req, res);
      res.end('my app');
    });
    server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
    // ---- end ----

    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const path = 'fit-in/120x120/gopher.png';
      const signed = `${createSigner({ secret: 'mysecret' }).sign(path)}/${path}`;
      const ok = await fetch(`${base}/images/${signed}`);
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('content-type'), 'image/png');
      const unsigned = await fetch(`${base}/images/unsafe/${path}`);
      assert.equal(unsigned.status, 403);
      assert.deepEqual(await unsigned.json(), { message: 'url signature mismatch', status: 403 });
      assert.equal(await (await fetch(`${base}/`)).text(), 'my app');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('answer Web Requests', async () => {
    // ---- README example 3 ----
    const imagor = createImagor({ 'imagor-unsafe': true, 'file-loader-base-dir': './examples' });

    const response = await imagor.fetch(new Request('http://localhost/unsafe/fit-in/200x150/gopher.png'));
    // response.status 200, response.headers.get('content-type') 'image/png'

    // Hono:         app.get('/unsafe/*', (c) => imagor.fetch(c.req.raw))
    // Bun and Deno: Bun.serve({ fetch: imagor.fetch }), Deno.serve(imagor.fetch)
    // ---- end ----

    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/png');
    const m = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    assert.ok(m.width <= 200 && m.height <= 150);
  });

  it('build, sign and read URLs', async () => {
    // ---- README example 4 ----
    const params = {
      image: 'gopher.png',
      width: 300,
      height: 200,
      fit_in: true,
      filters: [{ name: 'format', args: 'webp' }],
    };
    const path = generatePath(params); // 'fit-in/300x200/filters:format(webp)/gopher.png'
    const signer = createSigner({ secret: 'mysecret' });
    const url = '/' + generate(params, signer); // '/<signature>/fit-in/300x200/filters:format(webp)/gopher.png'
    const back = parse(url); // { hash, path, image: 'gopher.png', width: 300, height: 200, fit_in: true, … }

    // in a browser (WebCrypto, no Node APIs): import { signAsync } from 'imagor-ts/path'
    const hash = await signAsync(path, 'mysecret'); // the same signature as signer.sign(path)
    // ---- end ----

    assert.equal(path, 'fit-in/300x200/filters:format(webp)/gopher.png');
    assert.equal(url, `/${signer.sign(path)}/${path}`);
    assert.equal(back.image, 'gopher.png');
    assert.equal(back.width, 300);
    assert.equal(back.hash, signer.sign(path));
    assert.deepEqual(back.filters, [{ name: 'format', args: 'webp' }]);
    assert.equal(hash, signer.sign(path));
  });
});
