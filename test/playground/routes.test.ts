import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listImages, playgroundOptions } from '../../src/server/playground.js';
import { loadConfig } from '../../src/config/load.js';
import type { RunningServer } from '../../src/server/server.js';
import { fixturePath } from '../helpers/fixtures.js';
import { get, json } from '../helpers/server.js';
import { startFixturePlayground, startPlaygroundServer } from './server.js';

function config(args: string[]): ReturnType<typeof playgroundOptions> {
  const r = loadConfig(args, {}, { readFile: () => undefined });
  if (r.kind !== 'config') throw new Error('bad config');
  return playgroundOptions(r.config);
}

/** The `src`/`href` of the page's script and stylesheet. */
function assetLinks(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
}

describe('playground options from the configuration', () => {
  it('is at / in unsafe mode only, and at -playground in either mode', () => {
    assert.equal(config([]), undefined);
    assert.equal(config(['-imagor-unsafe'])?.root, true);
    assert.equal(
      config(['-imagor-unsafe', '-imagor-base-path-redirect', 'https://example.com'])?.root ?? false,
      false,
    );
    const signed = config(['-playground', 'tools/pg/', '-file-loader-base-dir', 'x']);
    assert.equal(signed?.path, '/tools/pg');
    assert.equal(signed?.root, false);
    assert.equal(signed?.imagesDir, '', 'no folder listing outside unsafe mode');
    assert.equal(config(['-imagor-unsafe', '-file-loader-base-dir', 'x'])?.imagesDir, 'x');
  });

  it('lists image files of the folder as image keys, with the loader path prefix', async () => {
    const images = await listImages(fixturePath(''), '');
    assert.ok(images.includes('imagor/gopher.png'));
    assert.ok(images.includes('sharp/Landscape_1.jpg'));
    assert.ok(!images.includes('README.md'));
    assert.deepEqual(images, [...images].sort());
    const prefixed = await listImages(fixturePath('imagor'), '/pics/');
    assert.ok(prefixed.includes('pics/gopher.png'));
  });
});

describe('playground routes (unsafe mode)', () => {
  let server: RunningServer;
  before(async () => {
    server = await startFixturePlayground();
  });
  after(() => server.close());

  it('serves the page at / with a strict Content-Security-Policy', async () => {
    const r = await get(server.url + '/');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(r.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const html = r.body.toString();
    assert.match(html, /<title>imagor-ts playground<\/title>/);
    assert.deepEqual(assetLinks(html), ['./playground/style.css', './playground/lib/playground/client.js']);
    assert.doesNotMatch(html, /(?:src|href|url)\s*[=(]\s*["']?(?:https?:)?\/\//, 'no external resources');
  });

  it('serves the script, the stylesheet and the browser URL library with their content types', async () => {
    const css = await get(server.url + '/playground/style.css');
    assert.equal(css.status, 200);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    const client = await get(server.url + '/playground/lib/playground/client.js');
    assert.equal(client.status, 200);
    assert.equal(client.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(client.body.toString(), /from '\.\.\/path\/index\.js'/);
    for (const name of ['index', 'parse', 'generate', 'json', 'escape', 'params', 'web-signer']) {
      const r = await get(`${server.url}/playground/lib/path/${name}.js`);
      assert.equal(r.status, 200, name);
      assert.equal(r.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.doesNotMatch(r.body.toString(), /from 'node:/, `${name}.js runs in browsers`);
      assert.doesNotMatch(r.body.toString(), /sourceMappingURL/);
    }
  });

  it('serves nothing else: no Node-only module, no traversal, no source maps', async () => {
    for (const p of [
      '/playground/lib/path/signer.js',
      '/playground/lib/path/index.js.map',
      '/playground/lib/path/../../server/playground.js',
      '/playground/lib/path/..%2f..%2fserver%2fplayground.js',
      '/playground/lib/path/%2e%2e/config/load.js',
      '/playground/lib/playground/page.js',
      '/playground/lib/server/handler.js',
    ]) {
      const r = await get(server.url + p);
      assert.notEqual(r.headers.get('content-type'), 'text/javascript; charset=utf-8', p);
      assert.ok(r.status >= 400, `${p}: ${r.status}`);
    }
  });

  it('lists the file loader folder as JSON', async () => {
    const r = await get(server.url + '/playground/images.json');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    const body = json(r) as { images: string[] };
    assert.ok(body.images.includes('imagor/gopher.png'));
    assert.ok(body.images.every((k) => !k.startsWith('.') && !k.endsWith('.md')));
  });

  it('leaves image URLs, /params and /healthcheck to the server', async () => {
    const img = await get(server.url + '/unsafe/50x50/imagor/gopher.png');
    assert.equal(img.status, 200);
    assert.equal(img.headers.get('content-type'), 'image/png');
    const params = await get(server.url + '/params/unsafe/50x50/imagor/gopher.png');
    assert.equal((json(params) as { width: number }).width, 50);
    assert.equal((await get(server.url + '/healthcheck')).status, 200);
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get(server.url + '/', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal((await get(server.url + '/', { method: 'POST' })).status, 405);
  });
});

describe('playground routes (other configurations)', () => {
  it('keeps the landing page at / in signed mode and serves the page at -playground', async () => {
    const server = await startPlaygroundServer([
      '-imagor-secret',
      's',
      '-file-loader-base-dir',
      fixturePath(''),
      '-playground',
      '/tools/pg',
    ]);
    try {
      const landing = await get(server.url + '/');
      assert.doesNotMatch(landing.body.toString(), /playground/);
      for (const p of ['/tools/pg', '/tools/pg/']) {
        const r = await get(server.url + p);
        assert.equal(r.status, 200, p);
        assert.match(r.body.toString(), /signed mode/);
      }
      // links are relative, so they resolve under the page wherever it is mounted
      assert.deepEqual(assetLinks((await get(server.url + '/tools/pg')).body.toString()), [
        '../tools/pg/style.css',
        '../tools/pg/lib/playground/client.js',
      ]);
      assert.deepEqual(assetLinks((await get(server.url + '/tools/pg/')).body.toString()), [
        '../../tools/pg/style.css',
        '../../tools/pg/lib/playground/client.js',
      ]);
      assert.equal((await get(server.url + '/tools/pg/style.css')).status, 200);
      assert.equal((await get(server.url + '/tools/pg/lib/path/index.js')).status, 200);
      // the folder is not listed when URLs must be signed
      assert.notEqual((await get(server.url + '/tools/pg/images.json')).status, 200);
    } finally {
      await server.close();
    }
  });

  it('works behind -server-path-prefix', async () => {
    const server = await startFixturePlayground(['-server-path-prefix', '/img']);
    try {
      const page = await get(server.url + '/img/');
      assert.equal(page.status, 200);
      for (const link of assetLinks(page.body.toString())) {
        const r = await get(new URL(link, server.url + '/img/').href);
        assert.equal(r.status, 200, link);
      }
      assert.equal((await get(server.url + '/playground/style.css')).status, 404);
    } finally {
      await server.close();
    }
  });

  it('keeps -imagor-base-path-redirect at /', async () => {
    const server = await startFixturePlayground(['-imagor-base-path-redirect', 'https://example.com/']);
    try {
      const r = await get(server.url + '/');
      assert.equal(r.status, 307);
      assert.equal(r.headers.get('location'), 'https://example.com/');
    } finally {
      await server.close();
    }
  });
});
