import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import sharp from 'sharp';
import type { BuiltServer } from '../../src/build.js';
import { get, json, startFixtureServer, startServer } from '../helpers/server.js';
import { fixturePath } from '../helpers/fixtures.js';

const sign = (path: string, secret: string): string =>
  createHmac('sha1', secret).update(path).digest('base64').replace(/\+/g, '-').replace(/\//g, '_');

describe('routes of an unsafe server', () => {
  let s: BuiltServer;
  before(async () => {
    s = await startFixtureServer();
  });
  after(() => s.close());

  it('answers /healthcheck and /favicon.ico with 200 and an empty body', async () => {
    for (const p of ['/healthcheck', '/favicon.ico']) {
      const r = await get(s.url + p);
      assert.equal(r.status, 200);
      assert.equal(r.body.length, 0);
    }
  });

  it('serves the landing page at /', async () => {
    const r = await get(s.url + '/');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(r.body.toString(), /imagor/);
  });

  it('returns /params as 2-space indented JSON in imagor field order', async () => {
    const r = await get(s.url + '/params/unsafe/fit-in/500x400/0x20/filters:fill(white)/gopher.png');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(Number(r.headers.get('content-length')), r.body.length);
    const text = r.body.toString();
    assert.ok(text.startsWith('{\n  "path": '), text);
    assert.deepEqual(json(r), {
      path: 'fit-in/500x400/0x20/filters:fill(white)/gopher.png',
      image: 'gopher.png',
      unsafe: true,
      fit_in: true,
      width: 500,
      height: 400,
      padding_top: 20,
      padding_bottom: 20,
      filters: [{ name: 'fill', args: 'white' }],
    });
  });

  it('answers HEAD /params with the same headers and no body', async () => {
    const g = await get(s.url + '/params/unsafe/100x100/a.jpg');
    const h = await get(s.url + '/params/unsafe/100x100/a.jpg', { method: 'HEAD' });
    assert.equal(h.status, 200);
    assert.equal(h.body.length, 0);
    assert.equal(h.headers.get('content-length'), g.headers.get('content-length'));
  });

  it('resizes with cover and fit-in from the file loader', async () => {
    const cover = await get(s.url + '/unsafe/300x200/imagor/gopher.png');
    assert.equal(cover.status, 200);
    assert.equal(cover.headers.get('content-type'), 'image/png');
    const m1 = await sharp(cover.body).metadata();
    assert.deepEqual([m1.width, m1.height], [300, 200]);

    const fit = await get(s.url + '/unsafe/fit-in/300x200/sharp/2569067123_aca715a2ee_o.jpg');
    assert.equal(fit.status, 200);
    assert.equal(fit.headers.get('content-type'), 'image/jpeg');
    const m2 = await sharp(fit.body).metadata();
    assert.equal(m2.height, 200);
    assert.equal(m2.width, Math.round((2725 / 2225) * 200));
  });

  it('sends imagor cache headers and inline disposition by default', async () => {
    const r = await get(s.url + '/unsafe/50x50/imagor/gopher.png');
    assert.equal(
      r.headers.get('cache-control'),
      'public, s-maxage=604800, max-age=604800, no-transform, stale-while-revalidate=86400',
    );
    assert.ok(r.headers.get('expires')?.endsWith('GMT'));
    assert.equal(r.headers.get('content-disposition'), 'inline');
    assert.equal(Number(r.headers.get('content-length')), r.body.length);
  });

  it('answers HEAD on an image with the GET headers and no body', async () => {
    const g = await get(s.url + '/unsafe/40x40/imagor/gopher.png');
    const h = await get(s.url + '/unsafe/40x40/imagor/gopher.png', { method: 'HEAD' });
    assert.equal(h.status, 200);
    assert.equal(h.body.length, 0);
    assert.equal(h.headers.get('content-length'), g.headers.get('content-length'));
    assert.equal(h.headers.get('content-type'), g.headers.get('content-type'));
  });

  it('refuses other methods with 405 and no body', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const r = await get(s.url + '/unsafe/40x40/imagor/gopher.png', { method });
      assert.equal(r.status, 405, method);
      assert.equal(r.body.length, 0);
    }
  });

  it('answers a missing image with 404 JSON', async () => {
    const r = await get(s.url + '/unsafe/40x40/no-such-file.jpg');
    assert.equal(r.status, 404);
    assert.deepEqual(json(r), { message: 'not found', status: 404 });
    assert.equal(r.headers.get('content-type'), 'application/json');
  });

  it('answers expire() in the past with 410', async () => {
    const r = await get(s.url + '/unsafe/filters:expire(1000)/imagor/gopher.png');
    assert.equal(r.status, 410);
    assert.deepEqual(json(r), { message: 'expired', status: 410 });
  });

  it('makes future expire() private with the remaining seconds', async () => {
    const at = Date.now() + 3600_000;
    const r = await get(s.url + `/unsafe/20x20/filters:expire(${at})/imagor/gopher.png`);
    assert.equal(r.status, 200);
    const cc = r.headers.get('cache-control') ?? '';
    const m = /^private, max-age=(\d+), no-transform$/.exec(cc);
    assert.ok(m, cc);
    assert.ok(Math.abs(Number(m[1]) - 3600) <= 2);
  });

  it('honours max_age() and max_age(0)', async () => {
    const r = await get(s.url + '/unsafe/20x20/filters:max_age(60)/imagor/gopher.png');
    assert.equal(r.headers.get('cache-control'), 'public, s-maxage=60, max-age=60, no-transform');
    const z = await get(s.url + '/unsafe/20x20/filters:max_age(0)/imagor/gopher.png');
    assert.equal(z.headers.get('cache-control'), 'private, no-cache, no-store, must-revalidate');
  });

  it('names attachments after the image with the output extension', async () => {
    const r = await get(s.url + '/unsafe/20x20/filters:attachment():format(jpeg)/imagor/gopher.png');
    assert.equal(r.headers.get('content-disposition'), 'attachment; filename="gopher.png.jpg"');
    const n = await get(s.url + '/unsafe/20x20/filters:attachment(my"pic.png)/imagor/gopher.png');
    assert.equal(n.headers.get('content-disposition'), 'attachment; filename="my%22pic.png"');
  });

  it('serves raw() source bytes with a script-blocking CSP', async () => {
    const r = await get(s.url + '/unsafe/filters:raw()/imagor/gopher.png');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-security-policy'), "script-src 'none'");
    const { readFileSync } = await import('node:fs');
    assert.deepEqual(r.body, readFileSync(fixturePath('imagor/gopher.png')));
  });

  it('keeps serving after a corrupt image', async () => {
    const bad = await get(s.url + '/unsafe/100x100/sharp/corrupt-header.jpg');
    assert.ok(bad.status >= 400 && bad.status < 500, String(bad.status));
    assert.equal((json(bad) as { status: number }).status, bad.status);
    const ok = await get(s.url + '/unsafe/100x100/imagor/gopher.png');
    assert.equal(ok.status, 200);
  });
});

describe('signed URLs', () => {
  let s: BuiltServer;
  before(async () => {
    s = await startServer([
      '-imagor-secret',
      'mysecret',
      '-file-loader-base-dir',
      fixturePath(''),
      '-http-loader-disable',
    ]);
  });
  after(() => s.close());

  it('serves a correctly signed URL', async () => {
    const path = '30x30/imagor/gopher.png';
    const r = await get(`${s.url}/${sign(path, 'mysecret')}/${path}`);
    assert.equal(r.status, 200);
  });

  it('accepts a signature over the unescaped form of an escaped path', async () => {
    const wire = '30x30/filters%3Agrayscale%28%29/imagor/gopher.png';
    const r = await get(
      `${s.url}/${sign('30x30/filters:grayscale()/imagor/gopher.png', 'mysecret')}/${wire}`,
    );
    assert.equal(r.status, 200);
  });

  it('refuses a tampered path with 403 url signature mismatch', async () => {
    const path = '30x30/imagor/gopher.png';
    const r = await get(`${s.url}/${sign(path, 'mysecret')}/31x30/imagor/gopher.png`);
    assert.equal(r.status, 403);
    assert.deepEqual(json(r), { message: 'url signature mismatch', status: 403 });
  });

  it('refuses unsafe/ URLs when unsafe mode is off', async () => {
    const r = await get(`${s.url}/unsafe/30x30/imagor/gopher.png`);
    assert.equal(r.status, 403);
  });

  it('serves /params without checking the signature', async () => {
    const r = await get(`${s.url}/params/AAAAAAAAAAAAAAAAAAAAAAAAAAA=/30x30/x.png`);
    assert.equal(r.status, 200);
    assert.equal((json(r) as { hash: string }).hash, 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=');
  });
});

describe('server options', () => {
  it('-server-path-prefix serves inside the prefix and 404s outside', async () => {
    const s = await startFixtureServer(['-server-path-prefix', '/img']);
    try {
      assert.equal((await get(s.url + '/img/unsafe/20x20/imagor/gopher.png')).status, 200);
      assert.equal((await get(s.url + '/img/healthcheck')).status, 200);
      assert.equal((await get(s.url + '/unsafe/20x20/imagor/gopher.png')).status, 404);
    } finally {
      await s.close();
    }
  });

  it('-server-strip-query-string redirects with 307', async () => {
    const s = await startFixtureServer(['-server-strip-query-string']);
    try {
      const r = await get(s.url + '/unsafe/20x20/imagor/gopher.png?x=1');
      assert.equal(r.status, 307);
      assert.equal(r.headers.get('location'), '/unsafe/20x20/imagor/gopher.png');
    } finally {
      await s.close();
    }
  });

  it('-server-cors allows any origin', async () => {
    const s = await startFixtureServer(['-server-cors']);
    try {
      const r = await get(s.url + '/unsafe/20x20/imagor/gopher.png', {
        headers: { Origin: 'https://x.test' },
      });
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
    } finally {
      await s.close();
    }
  });

  it('-imagor-disable-error-body keeps the status without a body', async () => {
    const s = await startFixtureServer(['-imagor-disable-error-body']);
    try {
      const r = await get(s.url + '/unsafe/20x20/missing.png');
      assert.equal(r.status, 404);
      assert.equal(r.body.length, 0);
    } finally {
      await s.close();
    }
  });

  it('-imagor-disable-params-endpoint answers 200 with an empty body', async () => {
    const s = await startFixtureServer(['-imagor-disable-params-endpoint']);
    try {
      const r = await get(s.url + '/params/unsafe/20x20/a.png');
      assert.equal(r.status, 200);
      assert.equal(r.body.length, 0);
    } finally {
      await s.close();
    }
  });

  it('-imagor-auto-webp negotiates WebP from Accept and sends Vary', async () => {
    const s = await startFixtureServer(['-imagor-auto-webp']);
    try {
      const r = await get(s.url + '/unsafe/20x20/imagor/gopher.png', {
        headers: { Accept: 'image/webp,*/*' },
      });
      assert.equal(r.headers.get('content-type'), 'image/webp');
      assert.equal(r.headers.get('vary'), 'Accept');
      const plain = await get(s.url + '/unsafe/20x20/imagor/gopher.png', {
        headers: { Accept: 'image/png' },
      });
      assert.equal(plain.headers.get('content-type'), 'image/png');
      assert.equal(plain.headers.get('vary'), 'Accept');
      const explicit = await get(s.url + '/unsafe/20x20/filters:format(png)/imagor/gopher.png', {
        headers: { Accept: 'image/webp' },
      });
      assert.equal(explicit.headers.get('content-type'), 'image/png');
      assert.equal(explicit.headers.get('vary'), null);
    } finally {
      await s.close();
    }
  });

  it('-imagor-base-path-redirect redirects / with 307', async () => {
    const s = await startFixtureServer(['-imagor-base-path-redirect', 'https://example.com/']);
    try {
      const r = await get(s.url + '/');
      assert.equal(r.status, 307);
      assert.equal(r.headers.get('location'), 'https://example.com/');
    } finally {
      await s.close();
    }
  });
});
