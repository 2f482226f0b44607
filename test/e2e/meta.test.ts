import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BuiltServer } from '../../src/build.js';
import type { MetaJson } from '../../src/processor/meta.js';
import { get, json, startFixtureServer } from '../helpers/server.js';

type Meta = MetaJson;

describe('/meta', () => {
  let s: BuiltServer;
  before(async () => {
    s = await startFixtureServer();
  });
  after(() => s.close());

  it('describes a JPEG with EXIF after processing', async () => {
    const r = await get(`${s.url}/unsafe/meta/fit-in/50x50/imagor/Canon_40D.jpg`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    const m = json(r) as Meta;
    assert.equal(m.format, 'jpeg');
    assert.equal(m.content_type, 'image/jpeg');
    assert.equal(m.width, 50);
    assert.equal(m.height, 34);
    assert.equal(m.pages, 1);
    assert.equal(m.bands, 3);
    assert.equal(m.exif['Make'], 'Canon');
    assert.equal(m.exif['Model'], 'Canon EOS 40D');
  });

  it('describes a PNG with alpha and an animated GIF', async () => {
    const png = json(await get(`${s.url}/unsafe/meta/imagor/gopher-front.png`)) as Meta;
    assert.equal(png.format, 'png');
    assert.equal(png.bands, 4);
    const gif = json(await get(`${s.url}/unsafe/meta/imagor/dancing-banana.gif`)) as Meta;
    assert.equal(gif.format, 'gif');
    assert.ok(gif.pages > 1, String(gif.pages));
  });

  it('adds blurhash, thumbhash and avgcolor, and rejects bad arguments with 400', async () => {
    const m = json(
      await get(`${s.url}/unsafe/meta/filters:blurhash(4,3):thumbhash():avgcolor()/imagor/gopher.png`),
    ) as Meta;
    assert.match(m.blurhash ?? '', /^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{20,}$/);
    assert.match(m.thumbhash ?? '', /^[A-Za-z0-9+/]+=*$/);
    assert.ok(m.average_color && m.average_color.r >= 0 && m.average_color.r <= 255);
    const bad = await get(`${s.url}/unsafe/meta/filters:blurhash(0,12)/imagor/gopher.png`);
    assert.equal(bad.status, 400);
    assert.equal((json(bad) as { status: number }).status, 400);
  });

  it('empties exif with strip_exif()', async () => {
    const m = json(await get(`${s.url}/unsafe/meta/filters:strip_exif()/imagor/Canon_40D.jpg`)) as Meta;
    assert.deepEqual(m.exif, {});
  });
});
