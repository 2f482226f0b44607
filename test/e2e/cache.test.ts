import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { BuiltServer } from '../../src/build.js';
import { fixturePath } from '../helpers/fixtures.js';
import { get, startServer } from '../helpers/server.js';

/**
 * The decoded-image cache as a user sees it: once a preview() base image or an overlay is cached, it is
 * served even after its file is gone, while requests the cache must not serve (no preview(), unknown
 * size, crops, sizes above the cache maximum) need the file.
 */
describe('decoded-image cache (-vips-cache-size)', () => {
  let dir: string;
  const servers: BuiltServer[] = [];
  const copy = (name: string, as = name): void =>
    copyFileSync(fixturePath(`imagor/${name}`), path.join(dir, as));
  const start = async (extra: string[]): Promise<BuiltServer> => {
    const s = await startServer([
      '-imagor-unsafe',
      '-http-loader-disable',
      '-file-loader-base-dir',
      dir,
      ...extra,
    ]);
    servers.push(s);
    return s;
  };

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'imagor-cache-'));
  });
  after(async () => {
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a preview() base image from memory at any size once it has been seen', async () => {
    const s = await start(['-vips-cache-size', '50000000']);
    copy('gopher.png', 'base1.png');
    const first = await get(`${s.url}/unsafe/300x200/filters:preview()/base1.png`);
    assert.equal(first.status, 200);
    unlinkSync(path.join(dir, 'base1.png'));
    for (const size of ['300x200', '100x100', 'fit-in/500x400']) {
      const r = await get(`${s.url}/unsafe/${size}/filters:preview()/base1.png`);
      assert.equal(r.status, 200, size);
      assert.equal(r.headers.get('content-type'), 'image/png');
    }
    const m = await sharp((await get(`${s.url}/unsafe/100x100/filters:preview()/base1.png`)).body).metadata();
    assert.deepEqual([m.width, m.height], [100, 100]);
    // what the cache must not serve still needs the file
    for (const p of [
      '300x200/base1.png',
      '0x200/filters:preview()/base1.png',
      '10x10:200x200/100x100/filters:preview()/base1.png',
      '300x200/filters:preview():focal(10x10:50x50)/base1.png',
      '3000x200/filters:preview()/base1.png',
    ]) {
      const r = await get(`${s.url}/unsafe/${p}`);
      assert.equal(r.status, 404, p);
    }
  });

  it('answers the same image as without the cache (same size, same format, close pixels)', async () => {
    const on = await start(['-vips-cache-size', '50000000']);
    const off = await start([]);
    copy('Canon_40D.jpg', 'base2.jpg');
    for (const p of [
      '300x200/filters:preview()/base2.jpg',
      'fit-in/120x120/filters:preview():grayscale()/base2.jpg',
    ]) {
      await get(`${on.url}/unsafe/${p}`); // fills the cache
      const [a, b] = await Promise.all([get(`${on.url}/unsafe/${p}`), get(`${off.url}/unsafe/${p}`)]);
      assert.equal(a.status, 200);
      assert.equal(a.headers.get('content-type'), 'image/jpeg');
      const [pa, pb] = await Promise.all(
        [a.body, b.body].map((x) => sharp(x).removeAlpha().raw().toBuffer({ resolveWithObject: true })),
      );
      assert.deepEqual([pa!.info.width, pa!.info.height], [pb!.info.width, pb!.info.height], p);
      let sum = 0;
      for (let i = 0; i < pa!.data.length; i++) sum += Math.abs(pa!.data[i]! - pb!.data[i]!);
      assert.ok(sum / pa!.data.length < 6, `mean difference ${sum / pa!.data.length} for ${p}`);
    }
  });

  it('does not keep images above -vips-cache-max-width/-height requests, nor anything when off', async () => {
    const small = await start([
      '-vips-cache-size',
      '50000000',
      '-vips-cache-max-width',
      '100',
      '-vips-cache-max-height',
      '100',
    ]);
    const off = await start(['-vips-cache-size', '0']);
    copy('gopher.png', 'base3.png');
    assert.equal((await get(`${small.url}/unsafe/300x200/filters:preview()/base3.png`)).status, 200);
    assert.equal((await get(`${off.url}/unsafe/100x100/filters:preview()/base3.png`)).status, 200);
    unlinkSync(path.join(dir, 'base3.png'));
    assert.equal((await get(`${small.url}/unsafe/300x200/filters:preview()/base3.png`)).status, 404);
    assert.equal((await get(`${off.url}/unsafe/100x100/filters:preview()/base3.png`)).status, 404);
  });

  for (const form of ['pixel', 'png', 'webp']) {
    it(`keeps watermark() and image() overlays of known size (-vips-cache-format ${form})`, async () => {
      const s = await start(['-vips-cache-size', '50000000', '-vips-cache-format', form]);
      copy('gopher.png', `base-${form}.png`);
      copy('gopher-front.png', `wm-${form}.png`);
      copy('gopher-front.png', `ov-${form}.png`);
      const wm = `200x200/filters:watermark(wm-${form}.png,10,10,0,50,50)/base-${form}.png`;
      const ov = `200x200/filters:image(/50x50/ov-${form}.png,10,10)/base-${form}.png`;
      const unsized = `200x200/filters:watermark(wm-${form}.png,10,10,0)/base-${form}.png`;
      for (const p of [wm, ov]) assert.equal((await get(`${s.url}/unsafe/${p}`)).status, 200, p);
      unlinkSync(path.join(dir, `wm-${form}.png`));
      unlinkSync(path.join(dir, `ov-${form}.png`));
      for (const p of [wm, ov]) {
        const r = await get(`${s.url}/unsafe/${p}`);
        assert.equal(r.status, 200, p);
        const m = await sharp(r.body).metadata();
        assert.deepEqual([m.width, m.height], [200, 200]);
      }
      // an overlay of unknown size is loaded every time
      assert.equal((await get(`${s.url}/unsafe/${unsized}`)).status, 404);
    });
  }

  it('loads an animated overlay every time (it is not cached) and keeps its frames', async () => {
    const s = await start(['-vips-cache-size', '50000000']);
    copy('dancing-banana.gif', 'anim-base.gif');
    copy('dancing-banana.gif', 'anim-wm.gif');
    const p = `100x100/filters:watermark(anim-wm.gif,0,0,0,50,50)/anim-base.gif`;
    const r = await get(`${s.url}/unsafe/${p}`);
    assert.equal(r.status, 200);
    assert.ok(((await sharp(r.body).metadata()).pages ?? 1) > 1);
    unlinkSync(path.join(dir, 'anim-wm.gif'));
    assert.equal((await get(`${s.url}/unsafe/${p}`)).status, 404);
  });
});
